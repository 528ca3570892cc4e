package dev.secateur.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Secateur's own version, for provenance. */
public final class Version {

    private static final String VERSION = read();

    private Version() {
    }

    public static String get() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("/dev/secateur/version.properties")) {
            var p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
