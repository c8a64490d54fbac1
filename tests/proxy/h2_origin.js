// An HTTP/2 origin for h2_e2e_test.py (Node 20's http2 module): prints its
// port, then answers by path:
//   /small       200 "ok"
//   /large       200 with 1 MiB
//   /reset       resets the stream with REFUSED_STREAM
//   /missing     404
//   /goaway      200, then a GOAWAY ENHANCE_YOUR_CALM "slow down" on the session
const http2 = require("http2");
const fs = require("fs");
const [chain, key] = process.argv.slice(2);
const server = http2.createSecureServer({cert: fs.readFileSync(chain), key: fs.readFileSync(key), allowHTTP1: false});
const large = Buffer.alloc(1 << 20, "x");
server.on("stream", (stream, headers) => {
  const path = headers[":path"];
  stream.on("error", () => {});  // the reset stream ends with an error on this side too
  if (path === "/reset") {
    stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
  } else if (path === "/large") {
    stream.respond({":status": 200, "content-type": "application/octet-stream"});
    stream.end(large);
  } else if (path === "/missing") {
    stream.respond({":status": 404});
    stream.end("no such thing");
  } else if (path === "/goaway") {
    stream.respond({":status": 200});
    const session = stream.session;
    stream.end("bye", () => {
      if (!session.destroyed) session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, Buffer.from("slow down"));
    });
  } else {
    stream.respond({":status": 200, "set-cookie": "secret=1"});
    stream.end("ok");
  }
});
server.on("sessionError", () => {});
server.on("error", () => {});
process.on("uncaughtException", (e) => console.error("h2_origin:", e.message));
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
