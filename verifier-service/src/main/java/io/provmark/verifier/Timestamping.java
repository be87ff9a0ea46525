package io.provmark.verifier;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import org.bouncycastle.asn1.cmp.PKIStatus;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampResponse;
import org.bouncycastle.tsp.TimeStampToken;

/**
 * RFC 3161 time-stamping of report.json: asks a TSA for a token over SHA-256(report.json) and
 * checks it (status granted, imprint and nonce, signature by a certificate with the critical
 * id-kp-timeStamping EKU), and verifies a stored token offline. The report directory keeps the
 * bare TimeStampToken (a DER CMS ContentInfo) in {@code report.json.tsr}: it is the signed part
 * of the TSA's reply ({@code openssl ts -verify -token_in}); the unsigned status wrapper adds nothing.
 */
public final class Timestamping {
    /** What a verified token says. */
    public record Stamp(Instant genTime, BigInteger serial, String policy, String tsaSubject, String tsaCertSha256) {
    }

    /** A TSA that cannot be reached or answers badly; the message names the TSA (without credentials). */
    public static final class TsaException extends Exception {
        private final boolean transientFailure;

        TsaException(String message, boolean transientFailure) {
            super(message);
            this.transientFailure = transientFailure;
        }

        /** Network errors and HTTP 5xx: worth another try. A bad reply is not. */
        public boolean isTransient() {
            return transientFailure;
        }
    }

    private final URI url;
    private final String safeUrl;
    private final X509Certificate pinned;
    private final HttpClient http;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param url     the TSA's HTTP(S) URL
     * @param pinned  if not null, the token must be signed by exactly this certificate
     */
    public Timestamping(String url, X509Certificate pinned) {
        try {
            this.url = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("TSA URL is not a valid URI: " + e.getMessage());
        }
        String scheme = this.url.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || this.url.getHost() == null) {
            throw new IllegalArgumentException("TSA URL must be an http:// or https:// URL with a host, got " + redact(this.url));
        }
        this.safeUrl = redact(this.url);
        this.pinned = pinned;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The URL as it may appear in reports and logs: any user:password part removed. */
    public String safeUrl() {
        return safeUrl;
    }

    static String redact(URI u) {
        if (u.getRawUserInfo() == null) {
            return u.toString();
        }
        try {
            return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), u.getQuery(), null).toString();
        } catch (URISyntaxException e) {
            return u.getScheme() + "://" + u.getHost();
        }
    }

    /** The configured TSA, or null when {@code tsaUrl} is not set; bad settings stop startup with a clear message. */
    static Timestamping fromConfig(VerifierConfig c) {
        if (c.tsaUrl == null || c.tsaUrl.isBlank()) {
            if (c.tsaCertFile != null) {
                throw new IllegalStateException("a TSA certificate was given without a TSA URL (--tsa-url)");
            }
            return null;
        }
        try {
            return new Timestamping(c.tsaUrl.trim(), c.tsaCertFile == null ? null : readCertificate(c.tsaCertFile));
        } catch (IllegalArgumentException | IOException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    /** Reads a PEM (or DER) certificate file to pin the TSA. */
    public static X509Certificate readCertificate(Path file) throws IOException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(file)));
        } catch (CertificateException | ClassCastException e) {
            throw new IOException("TSA certificate " + file + " is not an X.509 certificate: " + e.getMessage());
        }
    }

    /** Requests, checks and returns the DER TimeStampToken over SHA-256({@code data}). */
    public byte[] stamp(byte[] data) throws TsaException {
        byte[] digest = sha256(data);
        TimeStampRequestGenerator g = new TimeStampRequestGenerator();
        g.setCertReq(true);
        BigInteger nonce = new BigInteger(64, random);
        TimeStampRequest req = g.generate(TSPAlgorithms.SHA256, digest, nonce);
        byte[] body;
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(15))
                    .header("Content-Type", "application/timestamp-query")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(req.getEncoded())).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new TsaException("timestamp authority " + safeUrl + " answered HTTP " + r.statusCode(), r.statusCode() >= 500);
            }
            body = r.body();
        } catch (IOException e) {
            throw new TsaException("timestamp authority " + safeUrl + " unreachable: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TsaException("interrupted while waiting for timestamp authority " + safeUrl, true);
        }
        TimeStampResponse resp;
        try {
            resp = new TimeStampResponse(body);
        } catch (Exception e) {
            throw new TsaException("timestamp authority " + safeUrl + " sent a reply that is not an RFC 3161 TimeStampResp: " + e.getMessage(), false);
        }
        if (resp.getStatus() != PKIStatus.GRANTED) {
            throw new TsaException("timestamp authority " + safeUrl + " did not grant the timestamp (status " + resp.getStatus()
                    + (resp.getStatusString() == null ? "" : ", " + resp.getStatusString()) + ")", false);
        }
        try {
            // imprint, nonce, certReq and the token's shape
            resp.validate(req);
        } catch (Exception e) {
            throw new TsaException("timestamp authority " + safeUrl + " sent a reply that does not match the request: " + e.getMessage(), false);
        }
        TimeStampToken token = resp.getTimeStampToken();
        byte[] der;
        try {
            der = token.getEncoded();
            check(der, digest, pinned);
        } catch (Exception e) {
            throw new TsaException("timestamp authority " + safeUrl + " sent a token that does not verify: " + e.getMessage(), false);
        }
        return der;
    }

    /**
     * Checks a DER TimeStampToken over {@code data} offline: SHA-256 imprint, signature by the
     * included certificate (or {@code pinned}), critical id-kp-timeStamping EKU, certificate valid at genTime.
     */
    public static Stamp verify(byte[] tokenDer, byte[] data, X509Certificate pinned) throws Exception {
        return check(tokenDer, sha256(data), pinned);
    }

    private static Stamp check(byte[] tokenDer, byte[] digest, X509Certificate pinned) throws Exception {
        TimeStampToken token = new TimeStampToken(new CMSSignedData(tokenDer));
        if (!Arrays.equals(token.getEncoded(), tokenDer)) {
            throw new IllegalArgumentException("the token is not in DER form");
        }
        var info = token.getTimeStampInfo();
        if (!TSPAlgorithms.SHA256.equals(info.getMessageImprintAlgOID())) {
            throw new IllegalArgumentException("the token's imprint is not SHA-256 (" + info.getMessageImprintAlgOID() + ")");
        }
        if (!MessageDigest.isEqual(info.getMessageImprintDigest(), digest)) {
            throw new IllegalArgumentException("the token's imprint is not the SHA-256 of report.json");
        }
        @SuppressWarnings("unchecked")
        Collection<X509CertificateHolder> certs = token.getCertificates().getMatches(token.getSID());
        X509CertificateHolder cert;
        if (pinned != null) {
            cert = new X509CertificateHolder(pinned.getEncoded());
            if (!token.getSID().match(cert)) {
                throw new IllegalArgumentException("the token is not signed by the pinned TSA certificate");
            }
        } else if (certs.size() == 1) {
            cert = certs.iterator().next();
        } else {
            throw new IllegalArgumentException("the token does not include its signer's certificate");
        }
        // signature, ESS signing-certificate binding, critical timeStamping EKU, validity at genTime
        token.validate(new JcaSimpleSignerInfoVerifierBuilder().build(cert));
        return new Stamp(info.getGenTime().toInstant(), info.getSerialNumber(), info.getPolicy().getId(),
                cert.getSubject().toString(), ReportFiles.sha256(cert.getEncoded()));
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
