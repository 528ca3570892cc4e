package dev.secateur.record;

import dev.secateur.errors.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A second JVM that takes a run directory's lock and holds it until killed: prints {@code taken}, or
 * {@code refused: <message>} and exits 3 when another process holds it.
 */
public final class LockHolder {

    public static void main(String[] args) throws InterruptedException {
        try {
            RunLock.take(Path.of(args[0]));
        } catch (BadInputException e) {
            System.out.println("refused: " + e.getMessage());
            System.exit(3);
        }
        System.out.println("taken");
        Thread.sleep(Long.MAX_VALUE);
    }

    /** Starts a holder of {@code dir}'s lock; {@link #firstLine} says whether it took it. */
    static Process start(Path dir) throws IOException {
        var classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, LockHolder.class.getName(), dir.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    static String firstLine(Process process) throws IOException {
        var reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.startsWith("taken") || line.startsWith("refused")) {
                return line;
            }
        }
        try {
            return "exited " + process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
