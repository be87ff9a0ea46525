package io.provmark.verifier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cmp.PKIFailureInfo;
import org.bouncycastle.asn1.cmp.PKIStatus;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampResponse;
import org.bouncycastle.tsp.TimeStampResponseGenerator;
import org.bouncycastle.tsp.TimeStampTokenGenerator;

/**
 * A real RFC 3161 timestamp authority on 127.0.0.1 for tests, built from Bouncy Castle's token and
 * response generators: a fresh ECDSA P-256 key with a self-signed certificate carrying the critical
 * id-kp-timeStamping EKU, served by the JDK's HTTP server. {@link #mode} makes it misbehave.
 */
final class TestTsa implements AutoCloseable {
    enum Mode {
        OK,
        /** HTTP 503, as an overloaded or down TSA. */
        UNAVAILABLE,
        /** A granted token, but over a different message imprint. */
        WRONG_IMPRINT,
        /** A PKIStatus rejection. */
        REJECT
    }

    volatile Mode mode = Mode.OK;
    final AtomicInteger requests = new AtomicInteger();
    final X509Certificate cert;
    private final KeyPair keys;
    private final HttpServer server;
    private final AtomicLong serial = new AtomicLong(1);

    TestTsa() throws Exception {
        this("CN=provmark test TSA");
    }

    TestTsa(String subject) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        keys = g.generateKeyPair();
        X500Name name = new X500Name(subject);
        long now = System.currentTimeMillis();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now), new Date(now - 3_600_000L),
                new Date(now + 365L * 24 * 3_600_000L), name, keys.getPublic());
        // RFC 3161 2.3: the TSA certificate has exactly id-kp-timeStamping, marked critical
        b.addExtension(Extension.extendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeId.id_kp_timeStamping));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new java.io.ByteArrayInputStream(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())).getEncoded()));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/tsa", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/tsa";
    }

    Path writePem(Path file) throws Exception {
        Files.write(file, SigningKeys.pem("CERTIFICATE", cert.getEncoded()));
        return file;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            requests.incrementAndGet();
            byte[] body = ex.getRequestBody().readAllBytes();
            if (mode == Mode.UNAVAILABLE) {
                reply(ex, 503, "text/plain", "down for maintenance".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            if (!"application/timestamp-query".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
                reply(ex, 415, "text/plain", "expected application/timestamp-query".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            TimeStampRequest req = new TimeStampRequest(body);
            if (mode == Mode.WRONG_IMPRINT) {
                TimeStampRequestGenerator rg = new TimeStampRequestGenerator();
                rg.setCertReq(true);
                req = rg.generate(TSPAlgorithms.SHA256, Timestamping.sha256("something else".getBytes(StandardCharsets.US_ASCII)),
                        req.getNonce());
            }
            TimeStampTokenGenerator tg = new TimeStampTokenGenerator(
                    new JcaSimpleSignerInfoGeneratorBuilder().build("SHA256withECDSA", keys.getPrivate(), cert),
                    new JcaDigestCalculatorProviderBuilder().build().get(new DefaultDigestAlgorithmIdentifierFinder().find("SHA-256")),
                    new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1"));
            tg.addCertificates(new JcaCertStore(List.of(cert)));
            TimeStampResponseGenerator gen = new TimeStampResponseGenerator(tg, TSPAlgorithms.ALLOWED);
            TimeStampResponse resp = mode == Mode.REJECT
                    ? gen.generateFailResponse(PKIStatus.REJECTION, PKIFailureInfo.badRequest, "test TSA refuses")
                    : gen.generateGrantedResponse(req, BigInteger.valueOf(serial.getAndIncrement()), new Date());
            reply(ex, 200, "application/timestamp-reply", resp.getEncoded());
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private static void reply(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
