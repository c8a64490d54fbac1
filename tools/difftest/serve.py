#!/usr/bin/env python3
"""difftest's origin: one process serving many chains, each on its own
loopback port, with the system OpenSSL (Python's ssl) at security level 0 so
that it serves whatever chain it is given, exactly as given.

Commands, one JSON line each on stdin, one reply line on stdout:
  {"op":"add","id":ID,"chain":PEM_PATH,"key":PEM_PATH} -> {"id":ID,"port":N} or {"id":ID,"error":TEXT}
  {"op":"del","id":ID}                                 -> {"id":ID}
Each connection that completes a handshake gets one HTTP 200 response.
"""

import asyncio
import json
import ssl
import sys

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\ndifftest\n"


async def handle(reader, writer):
    try:
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=15)
        writer.write(RESPONSE)
        await writer.drain()
    except Exception:  # a client that rejected the chain just goes away
        pass
    finally:
        writer.close()


def context(chain, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_alpn_protocols(["http/1.1"])
    ctx.load_cert_chain(chain, key)
    return ctx


async def main():
    loop = asyncio.get_running_loop()
    # Clients that refuse a chain abort the handshake: that is the point, not an error to log.
    loop.set_exception_handler(lambda _loop, _context: None)
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    servers = {}
    while True:
        line = await reader.readline()
        if not line:
            break
        req = json.loads(line)
        reply = {"id": req["id"]}
        if req["op"] == "add":
            try:
                server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context(req["chain"], req["key"]),
                                                    ssl_handshake_timeout=15, backlog=64)
                servers[req["id"]] = server
                reply["port"] = server.sockets[0].getsockname()[1]
            except (ssl.SSLError, OSError, ValueError) as e:
                reply["error"] = str(e)
        elif req["op"] == "del":
            server = servers.pop(req["id"], None)
            if server is not None:
                server.close()
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    for server in servers.values():
        server.close()


if __name__ == "__main__":
    asyncio.run(main())
