package io.provmark.verifier;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;

/**
 * Offline verification of a report directory: the Ed25519 signatures over report.json and over
 * SHA256SUMS, every hash in SHA256SUMS (which covers the CMS signature, the certificate and the
 * inputs), the detached CMS signature, the public-key files named in report.json, and that
 * report.json is in canonical (RFC 8785) form. Any deviation, including a stray extra file, fails.
 */
public final class ReportVerifier {
    /**
     * The outcome: ok, and the checks done (or the first failure); {@code timestamp} is the verified
     * RFC 3161 timestamp, null when the report has none.
     */
    public record Result(boolean ok, List<String> checks, String failure, String ed25519PublicKeySha256,
                         Timestamping.Stamp timestamp) {
    }

    private ReportVerifier() {
    }

    public static Result verify(Path dir) {
        List<String> checks = new ArrayList<>();
        try {
            return verify(dir, checks);
        } catch (VerifyException e) {
            return new Result(false, checks, e.getMessage(), null, null);
        } catch (Exception e) {
            return new Result(false, checks, e.getClass().getSimpleName() + ": " + e.getMessage(), null, null);
        }
    }

    private static final class VerifyException extends Exception {
        VerifyException(String m) {
            super(m);
        }
    }

    private static void require(boolean cond, String msg) throws VerifyException {
        if (!cond) {
            throw new VerifyException(msg);
        }
    }

    private static Result verify(Path dir, List<String> checks) throws Exception {
        require(Files.isDirectory(dir), "not a directory: " + dir);
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    files.put(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
                } else if (!Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    throw new VerifyException("unexpected non-regular file " + p);
                }
            }
        }
        for (String f : List.of(ReportFiles.REPORT, ReportFiles.REPORT_SIG, ReportFiles.REPORT_CMS,
                ReportFiles.ED25519_PEM, ReportFiles.CMS_CERT_PEM, ReportFiles.SUMS, ReportFiles.SUMS_SIG)) {
            require(files.containsKey(f), "missing file " + f);
        }
        byte[] pubDer = strictPem(files.get(ReportFiles.ED25519_PEM), "PUBLIC KEY", ReportFiles.ED25519_PEM);
        PublicKey pub = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(pubDer));
        require(Arrays.equals(SigningKeys.pem("PUBLIC KEY", pub.getEncoded()), files.get(ReportFiles.ED25519_PEM)),
                ReportFiles.ED25519_PEM + " is not in canonical form");
        byte[] report = files.get(ReportFiles.REPORT);
        require(ed25519Verify(pub, report, files.get(ReportFiles.REPORT_SIG)),
                "Ed25519 signature over report.json does not verify");
        checks.add("Ed25519 signature over report.json: ok");
        byte[] sums = files.get(ReportFiles.SUMS);
        require(ed25519Verify(pub, sums, files.get(ReportFiles.SUMS_SIG)),
                "Ed25519 signature over SHA256SUMS does not verify");
        checks.add("Ed25519 signature over SHA256SUMS: ok");
        // every file but the signed manifest, its signature and the key is listed, and nothing else
        TreeSet<String> expected = new TreeSet<>(files.keySet());
        expected.removeAll(List.of(ReportFiles.SUMS, ReportFiles.SUMS_SIG, ReportFiles.ED25519_PEM));
        Map<String, String> listed = new TreeMap<>();
        String sumsText = new String(sums, StandardCharsets.UTF_8);
        require(sumsText.endsWith("\n"), "SHA256SUMS does not end with a newline");
        for (String line : sumsText.substring(0, sumsText.length() - 1).split("\n", -1)) {
            require(line.length() > 66 && line.charAt(64) == ' ' && line.charAt(65) == ' ', "malformed SHA256SUMS line: " + line);
            require(listed.put(line.substring(66), line.substring(0, 64)) == null, "duplicate SHA256SUMS entry " + line);
        }
        require(listed.keySet().equals(expected), "files present " + expected + " differ from SHA256SUMS " + listed.keySet());
        for (Map.Entry<String, String> e : listed.entrySet()) {
            require(ReportFiles.sha256(files.get(e.getKey())).equals(e.getValue()), "SHA-256 mismatch for " + e.getKey());
        }
        checks.add("SHA-256 of " + listed.size() + " files listed in SHA256SUMS: ok");

        ObjectMapper om = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        Object tree = om.readValue(report, Object.class);
        require(Arrays.equals(Jcs.canonicalize(tree), report), "report.json is not in RFC 8785 canonical form");
        checks.add("report.json canonical (RFC 8785): ok");
        require(tree instanceof Map, "report.json is not a JSON object");
        Map<?, ?> root = (Map<?, ?>) tree;
        Map<?, ?> signing = (Map<?, ?>) root.get("signing");
        require(signing != null, "report.json has no signing section");
        require(ReportFiles.sha256(files.get(ReportFiles.ED25519_PEM)).equals(signing.get("ed25519PublicKeyPemSha256")),
                "ed25519-public.pem does not match the key named in report.json");
        require(ReportFiles.sha256(files.get(ReportFiles.CMS_CERT_PEM)).equals(signing.get("cmsCertificatePemSha256")),
                "cms-cert.pem does not match the certificate named in report.json");
        Object inputs = root.get("inputs");
        require(inputs instanceof List, "report.json has no inputs list");
        int nInputs = 0;
        for (Object o : (List<?>) inputs) {
            Map<?, ?> in = (Map<?, ?>) o;
            String path = (String) in.get("file");
            require(path != null && files.containsKey(path), "input file " + path + " named in report.json is missing");
            require(ReportFiles.sha256(files.get(path)).equals(in.get("sha256")), "input " + path + " does not match its SHA-256 in report.json");
            nInputs++;
        }
        checks.add("SHA-256 of " + nInputs + " input file(s) named in report.json: ok");

        byte[] certDer = strictPem(files.get(ReportFiles.CMS_CERT_PEM), "CERTIFICATE", ReportFiles.CMS_CERT_PEM);
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(certDer));
        require(Arrays.equals(cert.getEncoded(), certDer), "cms-cert.pem is not DER-canonical");
        CMSSignedData cms = new CMSSignedData(new CMSProcessableByteArray(report), files.get(ReportFiles.REPORT_CMS));
        Collection<SignerInformation> signers = cms.getSignerInfos().getSigners();
        require(signers.size() == 1, "CMS signature must have exactly one signer, has " + signers.size());
        Collection<X509CertificateHolder> embedded = cms.getCertificates().getMatches(null);
        require(embedded.size() == 1 && Arrays.equals(embedded.iterator().next().getEncoded(), certDer),
                "the certificate inside the CMS signature is not cms-cert.pem");
        SignerInformation si = signers.iterator().next();
        require(si.getSID().match(new X509CertificateHolder(certDer)), "CMS signer is not the certificate in cms-cert.pem");
        require(si.verify(new JcaSimpleSignerInfoVerifierBuilder().build(cert)), "CMS signature does not verify");
        checks.add("CMS (ECDSA P-256) detached signature over report.json: ok");

        // the timestamp: required when report.json says the service had a TSA, checked whenever present
        Object tsSection = root.get("timestamp");
        require(tsSection == null || tsSection instanceof Map, "report.json's timestamp section is not an object");
        byte[] tsr = files.get(ReportFiles.REPORT_TSR);
        require(tsSection == null || tsr != null, "report.json names an RFC 3161 timestamp but " + ReportFiles.REPORT_TSR + " is missing");
        require(tsr == null || tsSection != null, ReportFiles.REPORT_TSR + " is present but report.json names no timestamp");
        Timestamping.Stamp stamp = null;
        if (tsr != null) {
            try {
                stamp = Timestamping.verify(tsr, report, null);
            } catch (Exception e) {
                throw new VerifyException("RFC 3161 timestamp " + ReportFiles.REPORT_TSR + " does not verify: " + e.getMessage());
            }
            checks.add("RFC 3161 timestamp over report.json: ok, genTime " + stamp.genTime() + ", TSA " + stamp.tsaSubject()
                    + ", TSA certificate sha256:" + stamp.tsaCertSha256());
        }
        return new Result(true, checks, null, ReportFiles.sha256(pubDer), stamp);
    }

    private static boolean ed25519Verify(PublicKey pub, byte[] data, byte[] sig) throws java.security.GeneralSecurityException {
        if (sig.length != 64) {
            return false;
        }
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(pub);
        s.update(data);
        try {
            return s.verify(sig);
        } catch (java.security.SignatureException e) {
            return false;
        }
    }

    /** The DER inside a PEM file that is byte-for-byte in the form this service writes. */
    private static byte[] strictPem(byte[] pem, String type, String name) throws VerifyException {
        String s = new String(pem, StandardCharsets.US_ASCII);
        String head = "-----BEGIN " + type + "-----\n";
        String tail = "\n-----END " + type + "-----\n";
        require(s.startsWith(head) && s.endsWith(tail) && s.length() > head.length() + tail.length(), name + " is not a " + type + " PEM file");
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(s.substring(head.length(), s.length() - tail.length()));
        } catch (IllegalArgumentException e) {
            throw new VerifyException(name + " has invalid base64: " + e.getMessage());
        }
        require(Arrays.equals(SigningKeys.pem(type, der), pem), name + " is not in canonical PEM form");
        return der;
    }
}
