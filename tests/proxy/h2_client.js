// An HTTP/2 client for h2_e2e_test.py: one session through the proxy, the
// given paths as concurrent streams; prints {path: status or error code}
// once every stream has ended (or after 20 s, with what it has).
const http2 = require("http2");
const fs = require("fs");
const [port, host, ca, ...paths] = process.argv.slice(2);
const session = http2.connect(`https://127.0.0.1:${port}`, {ca: fs.readFileSync(ca), servername: host});
const results = {};
const ended = new Set();
const finish = () => { console.log(JSON.stringify(results)); process.exit(0); };
// For /goaway, the origin's GOAWAY comes after the response: wait for it too.
const complete = () => ended.size === paths.length && (!paths.includes("/goaway") || "goaway" in results);
const done = (path) => { ended.add(path); if (complete()) finish(); };
session.on("error", (e) => { results.session_error = e.code; });
session.on("goaway", (code) => { results.goaway = code; if (complete()) finish(); });
setTimeout(finish, 20000);
for (const path of paths) {
  const req = session.request({":path": path, ":authority": `${host}:${port}`, "authorization": "Bearer hunter2"});
  let bytes = 0;
  req.on("response", (h) => { results[path] = h[":status"]; });
  req.on("data", (d) => { bytes += d.length; });
  req.on("end", () => { if (path === "/large") results.large_bytes = bytes; done(path); });
  req.on("error", (e) => { results[path] = e.code; done(path); });
  req.end();
}
