package dev.secateur.server;

import dev.secateur.config.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The token every request must carry, as a bearer header or as the dashboard's cookie. A server makes a new
 * one at start and writes it to a file only its user can read; the command-line client reads it from there.
 * Compared in constant time.
 */
public final class ApiToken {

    private final String value;

    private ApiToken(String value) {
        this.value = value;
    }

    public static ApiToken generate() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return new ApiToken(HexFormat.of().formatHex(bytes));
    }

    public String value() {
        return value;
    }

    /** Whether an {@code Authorization} header carries this token as {@code Bearer <token>} (the scheme in any case). */
    public boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, "Bearer ".length())) {
            return false;
        }
        return matches(authorization.substring("Bearer ".length()).trim());
    }

    /** Whether a token given as is (a cookie, the printed URL's query) is this one; in constant time. */
    public boolean matches(String given) {
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    /** Where a server on this host and port writes its token, unless told otherwise: ~/.secateur/servers/. */
    public static Path defaultFile(String host, int port) {
        return Path.of(System.getProperty("user.home"), ".secateur", "servers", host.replaceAll("[^A-Za-z0-9.-]", "_") + "_" + port + ".token");
    }

    /** Writes the token readable and writable by this user only (0600), in a directory only this user can enter. */
    public Path writeTo(Path file) {
        return PrivateFiles.write(file, value + "\n", "the API token");
    }

    /** The token in a file a server wrote. */
    public static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
    }
}
