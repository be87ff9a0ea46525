package io.provmark.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a small Hugging Face WordLevel tokenizer.json: [UNK] = 0, then w0, w1, ... as ids 1, 2, .... */
final class TinyTokenizerJson {
    private TinyTokenizerJson() {
    }

    /** {@code dir/tokenizer.json} with {@code words} words (vocabulary size words + 1); returns the file. */
    static Path write(Path dir, int words) throws IOException {
        StringBuilder vocab = new StringBuilder("\"[UNK]\":0");
        for (int i = 0; i < words; i++) {
            vocab.append(",\"w").append(i).append("\":").append(i + 1);
        }
        String json = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[],"
                + "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":null,"
                + "\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":{" + vocab + "},\"unk_token\":\"[UNK]\"}}";
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve("tokenizer.json"), json);
    }
}
