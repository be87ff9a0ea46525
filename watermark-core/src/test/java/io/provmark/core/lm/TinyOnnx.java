package io.provmark.core.lm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes tiny ONNX models (ModelProto, protobuf wire format by hand: no protobuf or onnx library here) for
 * the ONNX Runtime adapter's tests. The causal LM it builds:
 * <pre>
 *   h      = Gather(E [V, D], input_ids [batch, seq])      -> [batch, seq, D]
 *   c      = CumSum(h, axis = 1)                           -> prefix sums: position t sees tokens 0..t
 *   logits = MatMul(c, W [D, V]) + b [V]                   -> [batch, seq, V]
 * </pre>
 * so the logits after a context x_0..x_t are b + (sum_i E[x_i]) W, easy to compute by hand. Opset 13.
 */
public final class TinyOnnx {
    static final int FLOAT = 1;
    static final int INT64 = 7;
    static final int INT32 = 6;

    final int vocab;
    final int dim;
    final float[][] e;
    final float[][] w;
    final float[] b;

    /** Fixed weights: E[i][j] = ((7i + 3j) mod 11 - 5) / 20, W[j][k] = ((5j + 2k) mod 13 - 6) / 15, b[k] = k / 10 - 0.3. */
    public TinyOnnx(int vocab, int dim) {
        this.vocab = vocab;
        this.dim = dim;
        e = new float[vocab][dim];
        w = new float[dim][vocab];
        b = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            for (int j = 0; j < dim; j++) {
                e[i][j] = ((7 * i + 3 * j) % 11 - 5) / 20f;
            }
        }
        for (int j = 0; j < dim; j++) {
            for (int k = 0; k < vocab; k++) {
                w[j][k] = ((5 * j + 2 * k) % 13 - 6) / 15f;
            }
        }
        for (int k = 0; k < vocab; k++) {
            b[k] = k / 10f - 0.3f;
        }
    }

    /** The logits the model must give after ids[from..len), in double. */
    double[] expected(int[] ids, int from, int len) {
        double[] c = new double[dim];
        for (int i = from; i < len; i++) {
            for (int j = 0; j < dim; j++) {
                c[j] += e[ids[i]][j];
            }
        }
        double[] out = new double[vocab];
        for (int k = 0; k < vocab; k++) {
            double s = b[k];
            for (int j = 0; j < dim; j++) {
                s += c[j] * w[j][k];
            }
            out[k] = s;
        }
        return out;
    }

    /** How the test varies the graph's interface. */
    public static final class Spec {
        public String inputName = "input_ids";
        public int inputType = INT64;
        public int inputRank = 2;
        public String outputName = "logits";
        public boolean flattenOutput;      // rank-2 output [batch, seq * V]
        public boolean dynamicVocab;       // vocabulary dimension as a symbol
        public List<String> extraInputs = new ArrayList<>(); // declared int64 [batch, seq], unused by the graph
    }

    public byte[] model() {
        return model(new Spec());
    }

    public byte[] model(Spec s) {
        Pb g = new Pb();
        String ids = s.inputName;
        if (s.inputType != INT64) {
            // declared int32 and cast for Gather, so the graph itself is valid
            g.msg(1, node(List.of(ids), List.of("ids64"), "Cast", attrInt("to", INT64)));
            ids = "ids64";
        }
        g.msg(1, node(List.of("E", ids), List.of("h"), "Gather", null));
        g.msg(1, node(List.of("h", "axis"), List.of("c"), "CumSum", null));
        g.msg(1, node(List.of("c", "W"), List.of("z"), "MatMul", null));
        g.msg(1, node(List.of("z", "b"), List.of(s.flattenOutput ? "zb" : s.outputName), "Add", null));
        if (s.flattenOutput) {
            g.msg(1, node(List.of("zb"), List.of(s.outputName), "Flatten", null));
        }
        g.str(2, "tiny-causal-lm");
        g.msg(5, floatTensor("E", flat(e), vocab, dim));
        g.msg(5, floatTensor("W", flat(w), dim, vocab));
        g.msg(5, floatTensor("b", b, vocab));
        Pb axis = new Pb();
        axis.varint(2, INT64);
        axis.str(8, "axis");
        axis.packedVarints(7, new long[] {1}); // int64_data, a scalar
        g.msg(5, axis);
        List<Object> inDims = new ArrayList<>(List.of("batch", "seq"));
        if (s.inputRank == 1) {
            inDims = List.of("seq");
        }
        g.msg(11, valueInfo(s.inputName, s.inputType, inDims));
        for (String extra : s.extraInputs) {
            g.msg(11, valueInfo(extra, INT64, List.of("batch", "seq")));
        }
        Object v = s.dynamicVocab ? "vocab" : (Object) (long) vocab;
        g.msg(12, s.flattenOutput ? valueInfo(s.outputName, FLOAT, List.of("batch", "seqv"))
                : valueInfo(s.outputName, FLOAT, List.of("batch", "seq", v)));
        Pb m = new Pb();
        m.varint(1, 8); // ir_version 8
        m.str(2, "provmark-test");
        m.msg(7, g);
        Pb opset = new Pb();
        opset.str(1, "");
        opset.varint(2, 13);
        m.msg(8, opset);
        return m.bytes();
    }

    private static float[] flat(float[][] a) {
        float[] out = new float[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) {
            System.arraycopy(a[i], 0, out, i * a[0].length, a[0].length);
        }
        return out;
    }

    private static Pb node(List<String> in, List<String> out, String op, Pb attr) {
        Pb n = new Pb();
        in.forEach(x -> n.str(1, x));
        out.forEach(x -> n.str(2, x));
        n.str(3, op + "_" + out.get(0));
        n.str(4, op);
        if (attr != null) {
            n.msg(5, attr);
        }
        return n;
    }

    private static Pb attrInt(String name, long v) {
        Pb a = new Pb();
        a.str(1, name);
        a.varint(3, v);  // i
        a.varint(20, 2); // type INT
        return a;
    }

    private static Pb floatTensor(String name, float[] data, long... dims) {
        Pb t = new Pb();
        t.packedVarints(1, dims);
        t.varint(2, FLOAT);
        t.packedFloats(4, data);
        t.str(8, name);
        return t;
    }

    /** dims: Long = fixed size, String = symbolic. */
    private static Pb valueInfo(String name, int elemType, List<Object> dims) {
        Pb shape = new Pb();
        for (Object d : dims) {
            Pb dim = new Pb();
            if (d instanceof Long) {
                dim.varint(1, (Long) d);
            } else {
                dim.str(2, (String) d);
            }
            shape.msg(1, dim);
        }
        Pb tensor = new Pb();
        tensor.varint(1, elemType);
        tensor.msg(2, shape);
        Pb type = new Pb();
        type.msg(1, tensor);
        Pb vi = new Pb();
        vi.str(1, name);
        vi.msg(2, type);
        return vi;
    }

    /** A protobuf message being written: (field << 3 | wire type) tags, varints, length-delimited fields. */
    static final class Pb {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void varint(int field, long v) {
            tag(field, 0);
            raw(v);
        }

        void str(int field, String s) {
            bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        void msg(int field, Pb m) {
            bytes(field, m.bytes());
        }

        void bytes(int field, byte[] b) {
            tag(field, 2);
            raw(b.length);
            out.write(b, 0, b.length);
        }

        void packedVarints(int field, long[] vs) {
            Pb p = new Pb();
            for (long v : vs) {
                p.raw(v);
            }
            bytes(field, p.bytes());
        }

        void packedFloats(int field, float[] fs) {
            byte[] b = new byte[fs.length * 4];
            for (int i = 0; i < fs.length; i++) {
                int bits = Float.floatToIntBits(fs[i]);
                for (int k = 0; k < 4; k++) {
                    b[4 * i + k] = (byte) (bits >>> (8 * k)); // little-endian fixed32
                }
            }
            bytes(field, b);
        }

        private void tag(int field, int wire) {
            raw(((long) field << 3) | wire);
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
