package dev.inlet.common.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.inlet.common.crypto.SecretMask;
import dev.inlet.common.error.ApiError;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * The one configured ObjectMapper. Parsing limits keep hostile bodies cheap: document length, token count, nesting
 * depth, string and number lengths are bounded, and duplicate keys are refused rather than silently resolved. The
 * callers' own body caps (tracking 500 KB, admin {@link ApiRequest#MAX_ADMIN_BODY_BYTES}) are lower; these limits
 * are the backstop for whatever reaches the parser.
 */
public final class Json {

    public static final int MAX_NESTING_DEPTH = 64;
    public static final int MAX_STRING_LENGTH = 1_000_000;
    public static final int MAX_NUMBER_LENGTH = 100;
    /** In input units: characters for the text {@link #parse} takes (bytes for byte input). */
    public static final int MAX_DOCUMENT_LENGTH = 1024 * 1024;
    /**
     * Above what a body within the tracking cap can hold (500 KB of {@code 1,} is 256,000 tokens), so only a body
     * that escaped every cap meets it; each token is a tree node, so this bounds the tree's memory too.
     */
    public static final long MAX_TOKEN_COUNT = 300_000;

    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxStringLength(MAX_STRING_LENGTH)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .maxDocumentLength(MAX_DOCUMENT_LENGTH)
                    .maxTokenCount(MAX_TOKEN_COUNT)
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /**
     * {@link #MAPPER} finding duplicate keys as it builds the tree instead of tracking every object's names while it
     * reads, which costs a set per object: it takes exactly the documents MAPPER takes, into the same tree, so
     * {@link #parse} tries it first and leaves any failure to MAPPER, whose error it answers.
     */
    private static final ObjectMapper UNTRACKED = MAPPER.copy()
            .disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    /** Jackson's "Unrecognized token 'text': was expecting …", which quotes up to 256 characters of the body. */
    private static final Pattern UNRECOGNIZED_TOKEN = Pattern.compile("(Unrecognized token )'.*?'(?=: was expecting|$)");

    private Json() {
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /**
     * Parses a request body; anything that is not one well-formed JSON value is a 400 invalid_json, a body over
     * {@link #MAX_DOCUMENT_LENGTH} a 413 payload_too_large.
     */
    public static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            throw ApiError.invalidJson("The request body is empty; send a JSON object");
        }
        // Checked here: Jackson counts document length only as it refills its buffer, which text already in
        // memory never needs.
        if (body.length() > MAX_DOCUMENT_LENGTH) {
            throw ApiError.of(413, "payload_too_large", "A JSON body is at most " + MAX_DOCUMENT_LENGTH / 1024
                    + " KB");
        }
        try {
            return UNTRACKED.readTree(body);
        } catch (IOException | RuntimeException e) {
            // refused: MAPPER reads it again and says why, as it always did
        }
        try {
            return MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiError.invalidJson("The request body is not valid JSON: " + describe(e.getOriginalMessage()));
        } catch (IOException e) {
            throw ApiError.invalidJson("The request body could not be read as JSON");
        }
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (IOException e) {
            throw new IllegalStateException("A JSON tree could not be written", e);
        }
    }

    /**
     * Jackson's message, fit to answer: its first line, without the text of an unrecognised token (an unquoted
     * value may be any secret, the root token included), with anything shaped like a key or token masked (a
     * duplicate field's name is quoted too), and cut after masking so no cut-off secret escapes the mask.
     */
    static String describe(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        line = SecretMask.mask(UNRECOGNIZED_TOKEN.matcher(line).replaceAll("$1" + SecretMask.MASK));
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
