package dev.secateur.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Secateur's own version and the commit it was built from, for provenance. */
public final class Version {

    private static final String VERSION = read("/dev/secateur/version.properties").getProperty("version", "unknown");
    private static final String COMMIT = commit(read("/dev/secateur/git.properties"));

    private Version() {
    }

    public static String get() {
        return VERSION;
    }

    /**
     * The abbreviated commit the build came from, with {@code -dirty} when its working tree had changes, or
     * {@code unknown} for a build outside a git checkout.
     */
    public static String commit() {
        return COMMIT;
    }

    static String commit(Properties git) {
        String id = git.getProperty("git.commit.id.abbrev", "");
        if (id.isBlank()) {
            return "unknown";
        }
        return Boolean.parseBoolean(git.getProperty("git.dirty", "false")) ? id + "-dirty" : id;
    }

    private static Properties read(String resource) {
        var p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream(resource)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // provenance only: an unreadable resource reads as unknown
        }
        return p;
    }
}
