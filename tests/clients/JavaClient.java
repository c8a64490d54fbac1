// Real Java (JDK 17 JSSE) TLS client for tlsmirror's fidelity tests. Reads
// jobs, one per line on stdin: "id port host sni(1|0) caPath", connects with
// the PKIX trust manager over the given CA and HTTPS endpoint identification
// (as HttpClient does), sends one request, and prints one JSON line per job:
// {"id":..,"ok":..,"exception":..,"message":..}.

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public class JavaClient {
  static String json(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  static SSLContext context(String caPath) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    int i = 0;
    try (InputStream in = new FileInputStream(caPath)) {
      for (Certificate c : cf.generateCertificates(in)) ks.setCertificateEntry("ca" + i++, c);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  public static void main(String[] args) throws Exception {
    BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = r.readLine()) != null) {
      String[] f = line.trim().split(" ");
      if (f.length < 5) continue;
      String id = f[0], host = f[2];
      int port = Integer.parseInt(f[1]);
      boolean sni = f[3].equals("1");
      String result;
      try (Socket plain = new Socket()) {
        plain.connect(new InetSocketAddress("127.0.0.1", port), 10000);
        plain.setSoTimeout(15000);
        SSLSocket s = (SSLSocket) context(f[4]).getSocketFactory().createSocket(plain, host, port, true);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setServerNames(sni ? List.of(new SNIHostName(host)) : Collections.emptyList());
        s.setSSLParameters(p);
        s.startHandshake();
        OutputStream out = s.getOutputStream();
        out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        byte[] buf = new byte[12];
        int n = s.getInputStream().readNBytes(buf, 0, buf.length);
        String head = new String(buf, 0, n, StandardCharsets.US_ASCII);
        result = head.startsWith("HTTP/1.1 200")
            ? "\"ok\":true,\"exception\":null,\"message\":\"OK\""
            : "\"ok\":false,\"exception\":\"NoResponse\",\"message\":" + json(head);
      } catch (Exception e) {
        result = "\"ok\":false,\"exception\":" + json(e.getClass().getName()) + ",\"message\":" + json(e.getMessage());
      }
      System.out.println("{\"id\":" + json(id) + "," + result + "}");
      System.out.flush();
    }
  }
}
