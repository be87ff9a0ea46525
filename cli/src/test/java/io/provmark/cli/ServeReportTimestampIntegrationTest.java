package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.provmark.core.key.Keyset;
import io.provmark.core.key.KeysetFile;
import io.provmark.verifier.VerifierConfig;
import io.provmark.verifier.VerifierServer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampResponseGenerator;
import org.bouncycastle.tsp.TimeStampTokenGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code provmark report verify} on a timestamped service report (a Bouncy Castle TSA on loopback),
 * and the {@code serve} options for timestamps and encrypted signing keys.
 */
class ServeReportTimestampIntegrationTest {
    @TempDir
    Path tmp;

    /** A minimal RFC 3161 TSA on 127.0.0.1: self-signed ECDSA certificate with the critical timeStamping EKU. */
    private static HttpServer startTsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        X500Name name = new X500Name("CN=cli test TSA");
        long now = System.currentTimeMillis();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.TEN, new Date(now - 3_600_000L),
                new Date(now + 86_400_000L), name, kp.getPublic());
        b.addExtension(Extension.extendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeId.id_kp_timeStamping));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            try (ex) {
                TimeStampRequest req = new TimeStampRequest(ex.getRequestBody().readAllBytes());
                TimeStampTokenGenerator tg = new TimeStampTokenGenerator(
                        new JcaSimpleSignerInfoGeneratorBuilder().build("SHA256withECDSA", kp.getPrivate(), cert),
                        new JcaDigestCalculatorProviderBuilder().build().get(new DefaultDigestAlgorithmIdentifierFinder().find("SHA-256")),
                        new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.2"));
                tg.addCertificates(new JcaCertStore(List.of(cert)));
                byte[] resp = new TimeStampResponseGenerator(tg, TSPAlgorithms.ALLOWED)
                        .generateGrantedResponse(req, BigInteger.valueOf(System.nanoTime()), new Date()).getEncoded();
                ex.getResponseHeaders().set("Content-Type", "application/timestamp-reply");
                ex.sendResponseHeaders(200, resp.length);
                ex.getResponseBody().write(resp);
            } catch (Exception e) {
                throw new java.io.IOException(e);
            }
        });
        server.start();
        return server;
    }

    private Path keyset(Keyset ks) throws Exception {
        Path f = tmp.resolve("keys.pmk");
        if (!Files.exists(f)) {
            KeysetFile.write(f, ks, Cli.PASS.toCharArray());
        }
        return f;
    }

    @Test
    void reportVerifyPrintsTheTimestampAndRejectsAFlippedTokenByte() throws Exception {
        Keyset ks = Keyset.generate();
        HttpServer tsa = startTsa();
        Path reportDir;
        try {
            reportDir = ServiceReports.detectReport(tmp.resolve("data"), keyset(ks), ks,
                    "http://127.0.0.1:" + tsa.getAddress().getPort() + "/tsr");
        } finally {
            tsa.stop(0);
        }
        Cli.Result ok = Cli.run("report", "verify", reportDir.toString());
        assertEquals(0, ok.code(), ok::toString);
        assertTrue(ok.out().contains("RFC 3161 timestamp over report.json: ok, genTime "), ok::toString);
        assertTrue(ok.out().contains("timestamped at ") && ok.out().contains("by CN=cli test TSA"), ok::toString);

        Path tsr = reportDir.resolve("report.json.tsr");
        Files.setPosixFilePermissions(tsr, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        byte[] b = Files.readAllBytes(tsr);
        b[b.length - 1] ^= 0x01;
        Files.write(tsr, b);
        Cli.Result bad = Cli.run("report", "verify", reportDir.toString());
        assertEquals(ExitCodes.BAD_INPUT, bad.code(), bad::toString);
        assertTrue(bad.err().contains("report verification FAILED"), bad::toString);
    }

    @Test
    void serveTimestampAndSigningPassphraseOptionsFailClearly() throws Exception {
        Cli.Result r = Cli.run("serve", "--tsa-cert", tmp.resolve("tsa.pem").toString(), "--data-dir", tmp.resolve("d0").toString());
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        assertTrue(r.err().contains("--tsa-cert needs --tsa-url"), r::toString);

        Keyset ks = Keyset.generate();
        Path keys = keyset(ks);
        r = Cli.run("serve", "--port", "0", "--keyset", keys.toString(), "--data-dir", tmp.resolve("d1").toString(),
                "--tsa-url", "ftp://tsa.example/");
        assertEquals(ExitCodes.KEY, r.code(), r::toString);
        assertTrue(r.err().contains("TSA URL must be an http:// or https:// URL"), r::toString);

        // a data directory whose signing keys are encrypted
        VerifierConfig c = new VerifierConfig(tmp.resolve("d2"));
        c.port = 0;
        c.keyset = keys;
        c.passphrase = Cli.PASS.toCharArray();
        c.workers = 0;
        c.signingPassphrase = "the right one".toCharArray();
        VerifierServer.start(c).close();

        r = Cli.run("serve", "--port", "0", "--keyset", keys.toString(), "--data-dir", tmp.resolve("d2").toString());
        assertEquals(ExitCodes.KEY, r.code(), r::toString);
        assertTrue(r.err().contains("is encrypted; set PROVMARK_SIGNING_PASSPHRASE"), r::toString);

        Map<String, String> env = Cli.env();
        env.put(ServeCommand.SIGNING_PASSPHRASE_ENV, "a wrong one");
        r = Cli.run(env, "serve", "--port", "0", "--keyset", keys.toString(), "--data-dir", tmp.resolve("d2").toString());
        assertEquals(ExitCodes.KEY, r.code(), r::toString);
        assertTrue(r.err().contains("wrong PROVMARK_SIGNING_PASSPHRASE"), r::toString);
        assertFalse(r.all().contains("a wrong one"), "the passphrase must not be echoed");
        assertFalse(r.all().contains("\tat "), "no stack trace");
    }
}
