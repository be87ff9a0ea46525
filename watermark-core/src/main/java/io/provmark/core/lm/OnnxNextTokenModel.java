package io.provmark.core.lm;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Any causal language model exported to ONNX, run by ONNX Runtime (its jar bundles the native library).
 *
 * <p>The model must take {@code input_ids} (int64, shape [batch, sequence]) and may take
 * {@code attention_mask} and {@code position_ids} (int64, same shape; fed with ones and 0..n-1); it must
 * give {@code logits} (float32, shape [batch, sequence, vocabulary]). The names are configurable
 * ({@link Options}); any other input is rejected at load (past key/values caches are not supported).
 * {@link #logits} runs the whole context (the last {@link Options#maxContext()} tokens) with batch 1 and
 * returns the last position's logits: no key/value cache, so a step costs a full forward pass over the
 * context. Thread-safe (ONNX Runtime sessions are); {@link #close} frees the native session.
 */
public final class OnnxNextTokenModel implements NextTokenModel, AutoCloseable {
    /**
     * Names of the model's tensors and the longest context fed.
     *
     * @param inputIds      name of the token id input
     * @param attentionMask name of the optional mask input (fed with ones when the model has it)
     * @param positionIds   name of the optional position input (fed with 0..n-1 when the model has it)
     * @param logits        name of the logits output
     * @param maxContext    at most this many of the latest tokens are fed (older ones are dropped)
     */
    public record Options(String inputIds, String attentionMask, String positionIds, String logits, int maxContext) {
        public static final Options DEFAULT = new Options("input_ids", "attention_mask", "position_ids", "logits", 2048);

        public Options {
            for (String[] nv : new String[][] {{"inputIds", inputIds}, {"attentionMask", attentionMask},
                    {"positionIds", positionIds}, {"logits", logits}}) {
                if (nv[1] == null || nv[1].isEmpty()) {
                    throw new IllegalArgumentException(nv[0] + " name must not be empty");
                }
            }
            if (maxContext < 1) {
                throw new IllegalArgumentException("maxContext must be >= 1, got " + maxContext);
            }
        }

        public Options withNames(String newInputIds, String newLogits) {
            return new Options(newInputIds, attentionMask, positionIds, newLogits, maxContext);
        }
    }

    private final Path file;
    private final Options options;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final boolean hasMask;
    private final boolean hasPositions;
    private final int vocab;

    private OnnxNextTokenModel(Path file, Options options, OrtEnvironment env, OrtSession session, boolean hasMask,
                               boolean hasPositions, int vocab) {
        this.file = file;
        this.options = options;
        this.env = env;
        this.session = session;
        this.hasMask = hasMask;
        this.hasPositions = hasPositions;
        this.vocab = vocab;
    }

    public static OnnxNextTokenModel load(Path file) {
        return load(file, Options.DEFAULT);
    }

    /**
     * Loads and checks the model: the inputs and output exist with the right types and ranks, and the
     * vocabulary size is known (from the output shape, or from one probe run when that dimension is dynamic).
     *
     * @throws OnnxModelException for a missing file, a file ONNX Runtime cannot parse, wrong names, types or
     *                            shapes
     */
    public static OnnxNextTokenModel load(Path file, Options options) {
        if (!Files.isRegularFile(file)) {
            throw new OnnxModelException("ONNX model file " + file + " does not exist");
        }
        OrtEnvironment env;
        try {
            env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "provmark");
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new OnnxModelException("ONNX Runtime's native library could not be loaded: " + e, e);
        }
        OrtSession session;
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            session = env.createSession(file.toAbsolutePath().toString(), so);
        } catch (OrtException e) {
            throw new OnnxModelException("ONNX model file " + file + " is not a valid ONNX model (corrupted,"
                    + " truncated or another format): " + firstLine(e.getMessage()), e);
        }
        try {
            return check(file, options, env, session);
        } catch (OnnxModelException | OrtException e) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // already failing; the first error is the useful one
            }
            if (e instanceof OnnxModelException ome) {
                throw ome;
            }
            throw new OnnxModelException("ONNX model file " + file + ": " + firstLine(e.getMessage()), e);
        }
    }

    private static OnnxModelException bad(Path file, String problem) {
        return new OnnxModelException("ONNX model file " + file + ": " + problem);
    }

    private static OnnxNextTokenModel check(Path file, Options o, OrtEnvironment env, OrtSession session)
            throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        if (!inputs.containsKey(o.inputIds())) {
            throw bad(file, "has no input '" + o.inputIds() + "' (its inputs: " + names(inputs)
                    + "); name the token id input");
        }
        for (String in : inputs.keySet()) {
            if (!in.equals(o.inputIds()) && !in.equals(o.attentionMask()) && !in.equals(o.positionIds())) {
                throw bad(file, "has input '" + in + "', which provmark cannot feed (supported: " + o.inputIds()
                        + ", optional " + o.attentionMask() + " and " + o.positionIds()
                        + "; export the model without a key/value cache)");
            }
        }
        for (String in : inputs.keySet()) {
            TensorInfo t = tensor(file, "input", inputs.get(in));
            if (t.type != OnnxJavaType.INT64 || t.getShape().length != 2) {
                throw bad(file, "input '" + in + "' must be int64 [batch, sequence], but is " + describe(t));
            }
        }
        if (!outputs.containsKey(o.logits())) {
            throw bad(file, "has no output '" + o.logits() + "' (its outputs: " + names(outputs)
                    + "); name the logits output");
        }
        TensorInfo out = tensor(file, "output", outputs.get(o.logits()));
        if (out.type != OnnxJavaType.FLOAT || out.getShape().length != 3) {
            throw bad(file, "output '" + o.logits() + "' must be float32 [batch, sequence, vocabulary], but is "
                    + describe(out));
        }
        long v = out.getShape()[2];
        OnnxNextTokenModel m = new OnnxNextTokenModel(file, o, env, session, inputs.containsKey(o.attentionMask()),
                inputs.containsKey(o.positionIds()), v > 0 ? (int) Math.min(v, Integer.MAX_VALUE) : -1);
        if (v <= 0) {
            // dynamic vocabulary dimension: one forward pass on token 0 tells it
            float[][] r = m.run(new int[] {0}, 1);
            return new OnnxNextTokenModel(file, o, env, session, m.hasMask, m.hasPositions, r[0].length);
        }
        if (v < 2 || v > (1 << 24)) {
            throw bad(file, "output '" + o.logits() + "' has a vocabulary dimension of " + v + " (expected 2.."
                    + (1 << 24) + ")");
        }
        return m;
    }

    private static TensorInfo tensor(Path file, String what, NodeInfo n) {
        ValueInfo vi = n.getInfo();
        if (!(vi instanceof TensorInfo)) {
            throw bad(file, what + " '" + n.getName() + "' is not a tensor (" + vi + ")");
        }
        return (TensorInfo) vi;
    }

    private static String describe(TensorInfo t) {
        return t.type + " " + Arrays.toString(t.getShape()).replace("-1", "?");
    }

    private static String names(Map<String, NodeInfo> m) {
        return m.isEmpty() ? "none" : String.join(", ", new TreeSet<>(m.keySet()));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    public Path file() {
        return file;
    }

    public Options options() {
        return options;
    }

    /**
     * Checks that the model gives one logit per id of a profile's vocabulary.
     *
     * @throws OnnxModelException naming both sizes
     */
    public void requireVocabSize(int profileVocabSize) {
        if (vocab != profileVocabSize) {
            throw bad(file, "gives " + vocab + " logits per position but the profile's vocab_size is "
                    + profileVocabSize + " (the profile must describe this model's output vocabulary)");
        }
    }

    /**
     * Writes the logits of the last position after {@code ids[0..len)} (at most the last
     * {@link Options#maxContext()} tokens are fed).
     *
     * @throws IllegalArgumentException when {@code len} is 0 (a causal model needs at least one token) or an
     *                                  id is outside the vocabulary
     * @throws OnnxModelException       when ONNX Runtime fails or the output has an unexpected shape
     */
    @Override
    public void logits(int[] ids, int len, float[] out) {
        float[][] r = run(ids, len);
        float[] last = r[r.length - 1];
        if (last.length != vocab) {
            throw bad(file, "output '" + options.logits() + "' has " + last.length + " logits per position, expected "
                    + vocab);
        }
        System.arraycopy(last, 0, out, 0, vocab);
    }

    /** Runs the model on the context; returns only the last position's row (as a 1-row array). */
    private float[][] run(int[] ids, int len) {
        if (len < 1) {
            throw new IllegalArgumentException("the ONNX model needs at least one context token (give a prompt)");
        }
        int n = Math.min(len, options.maxContext());
        int from = len - n;
        long[] shape = {1, n};
        long[] tok = new long[n];
        for (int i = 0; i < n; i++) {
            int t = ids[from + i];
            if (t < 0 || (vocab > 0 && t >= vocab)) {
                throw new IllegalArgumentException("token id " + t + " at position " + (from + i)
                        + " is outside the model's vocabulary 0.." + (vocab - 1));
            }
            tok[i] = t;
        }
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            feed.put(options.inputIds(), OnnxTensor.createTensor(env, LongBuffer.wrap(tok), shape));
            if (hasMask) {
                long[] ones = new long[n];
                Arrays.fill(ones, 1L);
                feed.put(options.attentionMask(), OnnxTensor.createTensor(env, LongBuffer.wrap(ones), shape));
            }
            if (hasPositions) {
                long[] pos = new long[n];
                for (int i = 0; i < n; i++) {
                    pos[i] = i;
                }
                feed.put(options.positionIds(), OnnxTensor.createTensor(env, LongBuffer.wrap(pos), shape));
            }
            try (OrtSession.Result res = session.run(feed, Set.of(options.logits()))) {
                OnnxValue val = res.get(options.logits())
                        .orElseThrow(() -> bad(file, "gave no output '" + options.logits() + "'"));
                if (!(val instanceof OnnxTensor)) {
                    throw bad(file, "output '" + options.logits() + "' is not a tensor");
                }
                OnnxTensor t = (OnnxTensor) val;
                long[] s = t.getInfo().getShape();
                if (t.getInfo().type != OnnxJavaType.FLOAT || s.length != 3 || s[0] != 1 || s[1] != n || s[2] < 1
                        || s[2] > Integer.MAX_VALUE) {
                    throw bad(file, "output '" + options.logits() + "' for input [1, " + n + "] has shape "
                            + Arrays.toString(s) + " of " + t.getInfo().type + "; expected float32 [1, " + n
                            + ", vocabulary]");
                }
                int v = (int) s[2];
                FloatBuffer fb = t.getFloatBuffer();
                float[] last = new float[v];
                fb.position((n - 1) * v);
                fb.get(last);
                return new float[][] {last};
            }
        } catch (OrtException e) {
            throw bad(file, "ONNX Runtime failed on a context of " + n + " tokens: " + firstLine(e.getMessage()));
        } finally {
            for (OnnxTensor t : feed.values()) {
                t.close();
            }
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new OnnxModelException("cannot close ONNX session of " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "OnnxNextTokenModel{" + file.getFileName() + ", vocab=" + vocab + "}";
    }
}
