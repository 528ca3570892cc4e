package dev.secateur.cluster;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signs and checks what crosses the cluster. A message is an envelope: its kind, whom it is for, the time it
 * was made, a random nonce, the body as one JSON string, and the HMAC-SHA256 of those five under the cluster
 * secret. The body is signed as the very string that travels, so there is no second encoding to agree on. A
 * message too old, from too far in the future, or seen before (its nonce) is a replay and is refused.
 */
public final class Signatures {

    /** Kinds of message, part of what is signed: a job's signature cannot be passed off as a reply's. */
    public static final String JOB = "job";
    public static final String REPLY = "reply";
    public static final String MODEL = "model";
    public static final String CANCEL = "cancel";
    public static final String WORKER = "worker";

    /** How far apart two members' clocks and a message's transit may be. */
    static final Duration WINDOW = Duration.ofMinutes(5);
    /** Nonces remembered at most: beyond this, the oldest go (they are older than the window in practice). */
    private static final int REMEMBERED = 200_000;

    private final ClusterSecret secret;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Long> seen = new LinkedHashMap<>();

    public Signatures(ClusterSecret secret) {
        this.secret = secret;
    }

    /** A message refused: unsigned, wrongly signed, for someone else, stale or replayed. */
    public static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }

    /** The envelope for {@code body}, of {@code kind}, for {@code to} (a worker's id, or the nonce a reply answers). */
    public JsonObject seal(String kind, String to, JsonObject body) {
        return seal(kind, to, body, System.currentTimeMillis());
    }

    /** The same, made at {@code at} (milliseconds since the epoch): tests make stale messages with it. */
    JsonObject seal(String kind, String to, JsonObject body, long at) {
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        String n = HexFormat.of().formatHex(nonce);
        String text = body.encode();
        return new JsonObject().put("kind", kind).put("to", to).put("at", at).put("nonce", n).put("body", text)
                .put("mac", secret.mac(canonical(kind, to, at, n, text)));
    }

    /**
     * The body of an envelope, once its signature, kind, addressee, age and nonce are checked.
     *
     * @throws Refused naming what is wrong; the caller logs it and never acts on the message
     */
    public JsonObject open(Object message, String kind, String to) {
        var envelope = verified(message, kind, to);
        long at = envelope.getLong("at");
        long now = System.currentTimeMillis();
        if (Math.abs(now - at) > WINDOW.toMillis()) {
            throw new Refused(kind + " message made " + (now - at) / 1000 + " s from now, outside the " + WINDOW.toMinutes()
                    + "-minute window (a replay, or clocks apart: synchronise the members' clocks)");
        }
        synchronized (seen) {
            seen.values().removeIf(t -> now - t > 2 * WINDOW.toMillis());
            if (seen.putIfAbsent(envelope.getString("nonce"), at) != null) {
                throw new Refused(kind + " message replayed (nonce " + envelope.getString("nonce") + " seen before)");
            }
            while (seen.size() > REMEMBERED) {
                seen.remove(seen.keySet().iterator().next());
            }
        }
        return new JsonObject(envelope.getString("body"));
    }

    /** The body of an envelope that is read again and again (a worker's entry): signature, kind and addressee only. */
    public JsonObject openStanding(Object message, String kind, String to) {
        return new JsonObject(verified(message, kind, to).getString("body"));
    }

    /** The nonce of an envelope this member sealed: what its reply must be addressed to. */
    public static String nonce(JsonObject envelope) {
        return envelope.getString("nonce");
    }

    /** The same, for an envelope already encoded. */
    String nonceOf(String encoded) {
        return nonce(new JsonObject(encoded));
    }

    /** Where the secret was read from, for messages. */
    public Path secretFile() {
        return secret.file();
    }

    private JsonObject verified(Object message, String kind, String to) {
        JsonObject envelope;
        try {
            envelope = message instanceof JsonObject json ? json : new JsonObject(String.valueOf(message));
        } catch (DecodeException e) {
            throw new Refused("unsigned " + kind + " message: not a JSON envelope");
        }
        Object at = envelope.getValue("at");
        if (!(envelope.getValue("mac") instanceof String mac) || !(envelope.getValue("nonce") instanceof String nonce)
                || !(envelope.getValue("body") instanceof String body) || !(at instanceof Number time)
                || !(envelope.getValue("kind") instanceof String k) || !(envelope.getValue("to") instanceof String t)) {
            throw new Refused("unsigned " + kind + " message: the envelope lacks kind, to, at, nonce, body or mac");
        }
        if (!secret.verifies(canonical(k, t, time.longValue(), nonce, body), mac)) {
            throw new Refused(kind + " message with a wrong signature (a member without this cluster's secret, or another secret)");
        }
        if (!k.equals(kind) || !t.equals(to)) {
            throw new Refused("a signed " + k + " message for " + t + " arrived as a " + kind + " message for " + to);
        }
        try {
            new JsonObject(body);
        } catch (DecodeException e) {
            throw new Refused(kind + " message whose body is not JSON");
        }
        return envelope;
    }

    private static String canonical(String kind, String to, long at, String nonce, String body) {
        // newline-separated; only the last field may hold a newline, and it is last
        return "secateur-cluster-v1\n" + kind + "\n" + to + "\n" + at + "\n" + nonce + "\n" + body;
    }
}
