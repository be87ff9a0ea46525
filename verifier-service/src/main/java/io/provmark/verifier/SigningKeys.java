package io.provmark.verifier;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * The service's report-signing keys: Ed25519 and ECDSA P-256 with a self-signed certificate.
 * Generated at first start under {@code <data-dir>/signing/}; the private keys are PKCS#8 DER in
 * files of mode 0600 inside a 0700 directory. Without a passphrase they are unencrypted (protect
 * the data directory itself); with one (PROVMARK_SIGNING_PASSPHRASE) they are encrypted PKCS#8
 * (PBES2: PBKDF2-HMAC-SHA256, {@value #PBKDF2_ITERATIONS} iterations, AES-256-CBC), and existing
 * unencrypted keys are encrypted in place at the first start that has a passphrase.
 */
final class SigningKeys {
    final KeyPair ed25519;
    final KeyPair ecdsa;
    final X509Certificate cert;
    /** Exact PEM bytes as written into every report directory. */
    final byte[] ed25519PublicPem;
    final byte[] certPem;

    private SigningKeys(KeyPair ed25519, KeyPair ecdsa, X509Certificate cert) throws GeneralSecurityException {
        this.ed25519 = ed25519;
        this.ecdsa = ecdsa;
        this.cert = cert;
        this.ed25519PublicPem = pem("PUBLIC KEY", ed25519.getPublic().getEncoded());
        this.certPem = pem("CERTIFICATE", cert.getEncoded());
    }

    /** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
    static final int PBKDF2_ITERATIONS = 600_000;
    private static final java.security.Provider BC = new org.bouncycastle.jce.provider.BouncyCastleProvider();

    static SigningKeys loadOrCreate(Path dir) throws IOException, GeneralSecurityException {
        return loadOrCreate(dir, null);
    }

    /**
     * @param passphrase null: private keys stay (or are written) unencrypted; else they are written
     *                   encrypted, and encrypted ones are read with it. A missing or wrong passphrase
     *                   for encrypted keys is an {@link IllegalStateException} whose message says so.
     */
    static SigningKeys loadOrCreate(Path dir, char[] passphrase) throws IOException, GeneralSecurityException {
        if (passphrase != null && passphrase.length == 0) {
            throw new IllegalStateException("PROVMARK_SIGNING_PASSPHRASE is set but empty; unset it or give a passphrase");
        }
        Path ed = dir.resolve("ed25519.pk8");
        Path edPub = dir.resolve("ed25519.pub.der");
        Path ec = dir.resolve("ecdsa-p256.pk8");
        Path ecPub = dir.resolve("ecdsa-p256.pub.der");
        Path cert = dir.resolve("cms-cert.der");
        if (!Files.exists(cert)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            KeyPair edKp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair ecKp = g.generateKeyPair();
            X509Certificate c = selfSigned(ecKp);
            writePrivate(ed, protect(edKp.getPrivate(), passphrase));
            writePrivate(edPub, edKp.getPublic().getEncoded());
            writePrivate(ec, protect(ecKp.getPrivate(), passphrase));
            writePrivate(ecPub, ecKp.getPublic().getEncoded());
            // the certificate last: its presence marks a complete key directory
            writePrivate(cert, c.getEncoded());
        }
        KeyFactory edKf = KeyFactory.getInstance("Ed25519");
        KeyFactory ecKf = KeyFactory.getInstance("EC");
        KeyPair edKp = new KeyPair(edKf.generatePublic(new java.security.spec.X509EncodedKeySpec(Files.readAllBytes(edPub))),
                edKf.generatePrivate(new PKCS8EncodedKeySpec(readPrivate(ed, passphrase))));
        KeyPair ecKp = new KeyPair(ecKf.generatePublic(new java.security.spec.X509EncodedKeySpec(Files.readAllBytes(ecPub))),
                ecKf.generatePrivate(new PKCS8EncodedKeySpec(readPrivate(ec, passphrase))));
        // a wrong passphrase can still decrypt to well-formed padding by chance: check each pair signs
        checkPair(edKp, "Ed25519", ed);
        checkPair(ecKp, "SHA256withECDSA", ec);
        if (passphrase != null) {
            // keys written before a passphrase was configured: encrypt them now
            for (Path p : List.of(ed, ec)) {
                if (!isEncrypted(Files.readAllBytes(p))) {
                    PrivateKey k = p.equals(ed) ? edKp.getPrivate() : ecKp.getPrivate();
                    writePrivate(p, protect(k, passphrase));
                }
            }
        }
        X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(Files.readAllBytes(cert)));
        return new SigningKeys(edKp, ecKp, c);
    }

    /** PKCS#8 DER of the key: plain without a passphrase, else EncryptedPrivateKeyInfo (PBES2). */
    static byte[] protect(PrivateKey key, char[] passphrase) throws GeneralSecurityException {
        if (passphrase == null) {
            return key.getEncoded();
        }
        try {
            org.bouncycastle.operator.OutputEncryptor enc = new org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder(
                    org.bouncycastle.openssl.PKCS8Generator.AES_256_CBC)
                    .setPRF(org.bouncycastle.openssl.PKCS8Generator.PRF_HMACSHA256)
                    .setIterationCount(PBKDF2_ITERATIONS)
                    .setRandom(new SecureRandom())
                    .setProvider(BC)
                    .setPassword(passphrase)
                    .build();
            return new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, enc).generate().getContent();
        } catch (org.bouncycastle.operator.OperatorCreationException | org.bouncycastle.util.io.pem.PemGenerationException e) {
            throw new GeneralSecurityException("cannot encrypt a report-signing key: " + e.getMessage(), e);
        }
    }

    /** EncryptedPrivateKeyInfo starts with an AlgorithmIdentifier; a plain PrivateKeyInfo with its version INTEGER. */
    static boolean isEncrypted(byte[] der) {
        try {
            return !(org.bouncycastle.asn1.ASN1Sequence.getInstance(der).getObjectAt(0) instanceof org.bouncycastle.asn1.ASN1Integer);
        } catch (RuntimeException e) {
            throw new IllegalStateException("a report-signing key file is not PKCS#8 DER: " + e.getMessage());
        }
    }

    private static byte[] readPrivate(Path file, char[] passphrase) throws IOException {
        byte[] der = Files.readAllBytes(file);
        if (!isEncrypted(der)) {
            return der;
        }
        if (passphrase == null) {
            throw new IllegalStateException("the report-signing key " + file + " is encrypted; set PROVMARK_SIGNING_PASSPHRASE");
        }
        try {
            org.bouncycastle.operator.InputDecryptorProvider dp = new org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder()
                    .setProvider(BC).build(passphrase);
            return new org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo(der).decryptPrivateKeyInfo(dp).getEncoded();
        } catch (org.bouncycastle.operator.OperatorCreationException | org.bouncycastle.pkcs.PKCSException | RuntimeException e) {
            // no cause attached: the message alone says what to fix
            throw new IllegalStateException("wrong PROVMARK_SIGNING_PASSPHRASE: cannot decrypt the report-signing key " + file);
        }
    }

    private static void checkPair(KeyPair kp, String alg, Path file) throws GeneralSecurityException {
        byte[] probe = "provmark signing key check".getBytes(StandardCharsets.US_ASCII);
        java.security.Signature s = java.security.Signature.getInstance(alg);
        s.initSign(kp.getPrivate());
        s.update(probe);
        byte[] sig = s.sign();
        s.initVerify(kp.getPublic());
        s.update(probe);
        if (!s.verify(sig)) {
            throw new IllegalStateException("the report-signing key " + file + " does not match its public key"
                    + " (wrong PROVMARK_SIGNING_PASSPHRASE, or a damaged key directory)");
        }
    }

    private static void writePrivate(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(tmp, content);
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static X509Certificate selfSigned(KeyPair kp) throws GeneralSecurityException, IOException {
        X500Name name = new X500Name("CN=provmark verifier report signing");
        long now = System.currentTimeMillis();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name,
                new BigInteger(64, new SecureRandom()).setBit(0), new Date(now - 3_600_000L),
                new Date(now + 20L * 365 * 24 * 3_600_000L), name, kp.getPublic());
        // CA:true + keyCertSign lets OpenSSL accept it as its own trust anchor (-CAfile).
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign));
        try {
            ContentSigner s = new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
            X509CertificateHolder h = b.build(s);
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(h.getEncoded()));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException("cannot build the CMS signing certificate: " + e.getMessage(), e);
        }
    }

    byte[] ed25519Sign(byte[] data) throws GeneralSecurityException {
        java.security.Signature s = java.security.Signature.getInstance("Ed25519");
        s.initSign(ed25519.getPrivate());
        s.update(data);
        return s.sign();
    }

    /** Detached CMS SignedData (DER) over {@code data}, ECDSA P-256 with SHA-256, certificate included. */
    byte[] cmsSign(byte[] data) throws GeneralSecurityException {
        try {
            CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(ecdsa.getPrivate());
            gen.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                    new JcaDigestCalculatorProviderBuilder().build()).build(signer, cert));
            gen.addCertificates(new JcaCertStore(List.of(cert)));
            CMSSignedData sd = gen.generate(new CMSProcessableByteArray(data), false);
            return sd.getEncoded("DER");
        } catch (org.bouncycastle.operator.OperatorCreationException | org.bouncycastle.cms.CMSException | IOException e) {
            throw new GeneralSecurityException("CMS signing failed: " + e.getMessage(), e);
        }
    }

    static byte[] pem(String type, byte[] der) {
        String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return ("-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n").getBytes(StandardCharsets.US_ASCII);
    }

}
