package io.provmark.verifier;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Names of the files in a report directory, and hashing helpers shared by writer and verifier. */
public final class ReportFiles {
    public static final String REPORT = "report.json";
    public static final String REPORT_SIG = "report.json.sig";
    public static final String REPORT_CMS = "report.json.p7s";
    public static final String ED25519_PEM = "ed25519-public.pem";
    public static final String CMS_CERT_PEM = "cms-cert.pem";
    /** RFC 3161 TimeStampToken (DER) over report.json; present when the service has a TSA configured. */
    public static final String REPORT_TSR = "report.json.tsr";
    /** The human-readable report (PDFBox), listed in SHA256SUMS like every other file. */
    public static final String PDF = "report.pdf";
    public static final String SUMS = "SHA256SUMS";
    public static final String SUMS_SIG = "SHA256SUMS.sig";
    public static final String INPUTS_DIR = "inputs";

    private ReportFiles() {
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
