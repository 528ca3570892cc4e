package dev.secateur.plugin;

import dev.secateur.errors.BadInputException;
import dev.secateur.errors.ClosestMatch;
import dev.secateur.errors.PluginFailedException;
import dev.secateur.files.Sha256;
import dev.secateur.spi.PruningSchedule;
import dev.secateur.spi.SaliencyMethod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The saliency methods and schedules of the plugin directories: PF4J jars and Groovy sources, each version
 * of each file in a class loader of its own, with the SPI and ND4J supplied by the application. Built-in
 * plugins take exactly this path too.
 *
 * <p>{@link #refresh} looks at the directories again: a new or changed file is loaded and passes a smoke
 * test before it replaces the version that served; a file that fails keeps the previous version serving; a
 * removed file's ids are gone. A run {@linkplain #pin pins} the versions it starts with, so every step of it
 * uses them whatever is reloaded meanwhile; a replaced version is unloaded when the last run that pinned it
 * {@linkplain #release releases} it. Extensions are created per lookup, never cached.
 *
 * <p>A plugin fails alone: loading, constructing and smoke-testing a file run on a {@link PluginThread} of
 * the host's, outside its lock and within a time limit, and anything thrown there, {@link Error}s included,
 * refuses that file. Only the finished result is swapped in under the lock.
 */
public final class PluginHost implements AutoCloseable {

    /** Plugin ids: lowercase letters and digits in dash-separated words, so they are safe in files, tags and scripts. */
    public static final Pattern ID = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    /**
     * What a look at a file sees without reading it. The file key (the inode) tells a replacement by rename apart
     * even when it has the same size within the same clock tick.
     */
    private record Stamp(long size, FileTime modified, Object fileKey) {
    }

    private record Entry(Artifact artifact, Artifact.Extension extension) {
    }

    /** How long loading a file and its smoke test may take when none is given. */
    public static final Duration DEFAULT_SMOKE_LIMIT = Duration.ofSeconds(10);

    private final List<Path> directories;
    private final Duration smokeLimit;
    /** Where plugin code runs while a file is loaded and smoke-tested; replaced if a plugin hangs it. */
    private final PluginThread loading = new PluginThread("secateur-plugin-load");
    /** Private copies of the loaded jars, one per version. */
    private final Path shadow;
    /** Only one refresh at a time; lookups go on meanwhile under this object's lock. */
    private final Object refreshing = new Object();

    // under refreshing: what the files looked like at the last refresh, and when their content was last read
    private final Map<Path, Stamp> lastSeen = new HashMap<>();
    private final Map<Path, Stamp> settled = new HashMap<>();

    // under this object's lock
    private final Map<Path, Artifact> serving = new TreeMap<>();
    private final Map<String, Artifact> byKey = new HashMap<>();
    private final Map<Path, String> refused = new TreeMap<>();
    private final List<String> clashes = new ArrayList<>();
    private final List<Path> clashFiles = new ArrayList<>();
    /** What {@link #descriptors} answers, made once per change of state; null after one. */
    private List<PluginDescriptor> descriptors;
    /** Files refused because another file serves one of their ids; tried again when a file goes. */
    private final Set<Path> waitingForId = new HashSet<>();
    private Map<String, Entry> saliencies = Map.of();
    private Map<String, Entry> schedules = Map.of();

    private PluginHost(List<Path> directories, Duration smokeLimit) {
        this.directories = List.copyOf(directories);
        this.smokeLimit = smokeLimit;
        try {
            this.shadow = Files.createTempDirectory("secateur-plugins");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for loaded plugins: " + e.getMessage(), e);
        }
    }

    /**
     * Loads every {@code *.jar} and {@code *.groovy} in the given directories. A file that is not a valid plugin
     * is reported in {@link #failures()}, not fatal.
     */
    public static PluginHost start(List<Path> directories) {
        return start(directories, DEFAULT_SMOKE_LIMIT);
    }

    /**
     * The same, with the time one file may take to load and pass its smoke test; a file that takes longer is
     * refused, and if its code ignores the interrupt its thread is abandoned.
     */
    public static PluginHost start(List<Path> directories, Duration smokeLimit) {
        if (smokeLimit == null || smokeLimit.isNegative() || smokeLimit.isZero()) {
            throw new BadInputException("the plugin smoke-test time limit must be positive, not " + smokeLimit
                    + "; give a number of seconds such as --plugin-timeout 10");
        }
        for (var dir : directories) {
            if (!Files.isDirectory(dir)) {
                throw new BadInputException("plugin directory " + dir + " does not exist; create it, or build the "
                        + "built-in plugins with 'mvn -DskipTests package'");
            }
        }
        SmokeTest.warmUp();
        var host = new PluginHost(directories, smokeLimit);
        host.refresh(false);
        return host;
    }

    /**
     * Looks at the plugin directories again and loads what changed.
     *
     * @param waitUntilSettled load a new or changed file only once it looks the same as at the previous
     *                         refresh, so that a jar still being copied is not read half-written
     * @return one change per file that was loaded, replaced, removed or refused
     */
    public List<PluginChange> refresh(boolean waitUntilSettled) {
        synchronized (refreshing) {
            var files = pluginFiles();
            var changes = new ArrayList<PluginChange>();
            for (var file : files) {
                var stamp = stamp(file);
                if (stamp == null || stamp.equals(settled.get(file))) {
                    continue;
                }
                var before = lastSeen.put(file, stamp);
                if (waitUntilSettled && !stamp.equals(before)) {
                    continue;
                }
                settled.put(file, stamp);
                loadAlone(file).ifPresent(changes::add);
            }
            boolean freed = false;
            for (var gone : goneFiles(files)) {
                settled.remove(gone);
                lastSeen.remove(gone);
                var removed = remove(gone);
                if (removed != null) {
                    changes.add(removed);
                    freed = true;
                }
            }
            if (freed) {
                // a file refused for an id that was taken may serve now
                for (var file : files) {
                    if (waitsForId(file) && Files.exists(file)) {
                        settled.remove(file);
                        lastSeen.remove(file);
                        loadAlone(file).ifPresent(changes::add);
                        settled.put(file, stamp(file));
                    }
                }
            }
            return changes;
        }
    }

    /** Loads a file; whatever goes wrong refuses that file alone, so the other files and the refresh go on. */
    private Optional<PluginChange> loadAlone(Path file) {
        try {
            return load(file);
        } catch (Throwable e) {
            return Optional.of(refuse(file, file + ": could not be loaded: " + PluginFailedException.describe(e)
                    + "; fix the file, or remove it"));
        }
    }

    private Optional<PluginChange> load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            return Optional.of(refuse(file, "cannot read " + file + ": " + e.getMessage()));
        }
        String sha = sha256(bytes);
        synchronized (this) {
            var current = serving.get(file);
            if (current != null && current.sha256.equals(sha)) {
                refused.remove(file);
                waitingForId.remove(file);
                return Optional.empty(); // touched, not changed
            }
            var held = byKey.get(file + "@" + sha);
            if (held != null) {
                // back to a version a run still holds: that one serves again, rather than a second copy of it
                return Optional.of(swapIn(file, held));
            }
        }
        if (file.getFileName().toString().endsWith(".groovy")) {
            Artifact.warmUpGroovy();
        }
        Artifact artifact;
        // what the plugin is doing, for the message if it does not finish
        var doing = new AtomicReference<>(file + ": loading (compiling and constructing its classes)");
        try {
            artifact = loading.call(doing::get, smokeLimit, () -> loadAndCheck(file, bytes, sha, doing));
        } catch (PluginThread.PluginAbandonedException e) {
            return Optional.of(refuse(file, e.getMessage()));
        } catch (PluginFailedException e) {
            String reason = e.getMessage();
            if (e.getCause() == null && reason.contains(" did not finish within ")) {
                reason += "; a file gets " + smokeLimit.toSeconds() + " s to load and pass its smoke test (--plugin-timeout SECONDS)";
            }
            return Optional.of(refuse(file, reason));
        } catch (Throwable e) {
            return Optional.of(refuse(file, file + ": " + PluginFailedException.describe(e)));
        }
        synchronized (this) {
            String taken = takenElsewhere(file, artifact);
            if (taken != null) {
                artifact.close();
                var change = refuse(file, taken);
                waitingForId.add(file);
                return Optional.of(change);
            }
            byKey.put(artifact.key(), artifact);
            return Optional.of(swapIn(file, artifact));
        }
    }

    /**
     * Runs on the loading thread: loads the file's version and smoke-tests it. Every throwable becomes a refusal
     * naming the file; a version that fails is closed here, since nobody else will see it.
     */
    private Artifact loadAndCheck(Path file, byte[] bytes, String sha, AtomicReference<String> doing) {
        Artifact artifact;
        try {
            artifact = file.getFileName().toString().endsWith(".jar") ? Artifact.jar(file, shadow, bytes, sha)
                    : Artifact.groovy(file, bytes, sha);
        } catch (PluginFailedException e) {
            throw e;
        } catch (Throwable e) {
            throw new PluginFailedException(file + ": " + PluginFailedException.describe(e), e);
        }
        try {
            SmokeTest.check(artifact, doing);
            if (Thread.currentThread().isInterrupted()) {
                // it finished after the host stopped waiting: nobody will take this version, so unload it here
                throw new PluginFailedException(doing.get() + " finished only after its time limit");
            }
            return artifact;
        } catch (Throwable e) {
            artifact.close();
            throw e instanceof PluginFailedException failed ? failed : new PluginFailedException(doing.get() + " failed: "
                    + PluginFailedException.describe(e), e);
        }
    }

    /** Serves a version of a file from now on, in place of the one that served before. */
    private PluginChange swapIn(Path file, Artifact artifact) {
        refused.remove(file);
        waitingForId.remove(file);
        artifact.serving = true;
        var old = serving.put(file, artifact);
        if (old != null && old != artifact) {
            retire(old);
        }
        reindex();
        return new PluginChange(old == null ? PluginChange.Kind.LOADED : PluginChange.Kind.REPLACED, file,
                artifact.type.name().toLowerCase(Locale.ROOT), ids(artifact), artifact.version, null);
    }

    /**
     * Why a file may not serve: another file serves one of its ids already. The id stays where it is, so a
     * stray copy cannot take a criterion over; replace or remove the file that serves it.
     */
    private String takenElsewhere(Path file, Artifact artifact) {
        for (var extension : artifact.extensions) {
            var index = extension.kind() == InstalledPlugin.Kind.SALIENCY ? saliencies : schedules;
            var owner = index.get(extension.id());
            if (owner != null && !owner.artifact().source.equals(file)) {
                return file + ": " + extension.kind().label() + " id '" + extension.id() + "' is served by " + owner.artifact().source
                        + " already; replace that file to change it, or remove it first";
            }
        }
        return null;
    }

    private synchronized boolean waitsForId(Path file) {
        return waitingForId.contains(file);
    }

    private synchronized PluginChange refuse(Path file, String reason) {
        descriptors = null;
        waitingForId.remove(file);
        refused.put(file, reason);
        var current = serving.get(file);
        return new PluginChange(PluginChange.Kind.FAILED, file, type(file), List.of(), null,
                current == null ? reason : reason + " (version " + current.version + " keeps serving)");
    }

    private synchronized PluginChange remove(Path file) {
        descriptors = null;
        refused.remove(file);
        waitingForId.remove(file);
        var old = serving.remove(file);
        if (old == null) {
            return null;
        }
        retire(old);
        reindex();
        return new PluginChange(PluginChange.Kind.REMOVED, file, old.type.name().toLowerCase(Locale.ROOT), ids(old),
                old.version, null);
    }

    private synchronized List<Path> goneFiles(List<Path> present) {
        var gone = new HashSet<Path>(serving.keySet());
        gone.addAll(refused.keySet());
        gone.addAll(settled.keySet());
        present.forEach(gone::remove);
        return gone.stream().sorted().toList();
    }

    /** A version no longer given to new runs: unloaded now, or when its last run releases it. */
    private void retire(Artifact artifact) {
        artifact.serving = false;
        if (artifact.pins == 0) {
            byKey.remove(artifact.key());
            artifact.close();
        }
    }

    /** The id indexes, from the serving files in path order; an id a later file repeats is reported and ignored. */
    private void reindex() {
        var newSaliencies = new TreeMap<String, Entry>();
        var newSchedules = new TreeMap<String, Entry>();
        descriptors = null;
        clashes.clear();
        clashFiles.clear();
        for (var artifact : serving.values()) {
            for (var extension : artifact.extensions) {
                var into = extension.kind() == InstalledPlugin.Kind.SALIENCY ? newSaliencies : newSchedules;
                var clash = into.putIfAbsent(extension.id(), new Entry(artifact, extension));
                if (clash != null) {
                    clashes.add(extension.kind().label() + " id '" + extension.id() + "' is provided by both "
                            + clash.artifact().source + " and " + artifact.source + "; the first is used, remove the other");
                    clashFiles.add(artifact.source);
                }
            }
        }
        saliencies = newSaliencies;
        schedules = newSchedules;
    }

    private List<Path> pluginFiles() {
        var files = new ArrayList<Path>();
        for (var dir : directories) {
            try (Stream<Path> list = Files.list(dir)) {
                list.filter(f -> {
                    String name = f.getFileName().toString();
                    return (name.endsWith(".jar") || name.endsWith(".groovy")) && Files.isRegularFile(f);
                }).sorted().forEach(files::add);
            } catch (IOException e) {
                // a directory that vanished serves nothing new; what it served is removed below
            }
        }
        return files;
    }

    private static Stamp stamp(Path file) {
        try {
            var attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(attributes.size(), attributes.lastModifiedTime(), attributes.fileKey());
        } catch (IOException e) {
            return null;
        }
    }

    private static String type(Path file) {
        return file.getFileName().toString().endsWith(".jar") ? "jar" : "groovy";
    }

    private static List<String> ids(Artifact artifact) {
        return artifact.extensions.stream().map(Artifact.Extension::id).sorted().toList();
    }

    static String sha256(byte[] bytes) {
        return Sha256.hex(bytes);
    }

    /** Everything installed, saliency methods first, each sorted by id. */
    public synchronized List<InstalledPlugin> installed() {
        var all = new ArrayList<InstalledPlugin>();
        for (var index : List.of(saliencies, schedules)) {
            index.values().forEach(e -> all.add(new InstalledPlugin(e.extension().kind(), e.extension().id(), e.artifact().version,
                    e.artifact().pluginId, e.artifact().source, e.extension().description())));
        }
        all.sort(Comparator.comparing(InstalledPlugin::kind).thenComparing(InstalledPlugin::id));
        return all;
    }

    /**
     * Every plugin serving and every file refused, as found when it was loaded: nothing is instantiated, so a
     * listing (GET /api/plugins, {@code secateur plugins}) runs no plugin code. Made once after each change.
     */
    public synchronized List<PluginDescriptor> descriptors() {
        if (descriptors == null) {
            var all = new ArrayList<PluginDescriptor>();
            for (var index : List.of(saliencies, schedules)) {
                for (var e : index.values()) {
                    var a = e.artifact();
                    var x = e.extension();
                    all.add(new PluginDescriptor(x.kind(), x.id(), a.version, a.sha256, a.source, x.description(), x.options(), null));
                }
            }
            refused.forEach((file, reason) -> all.add(PluginDescriptor.failed(file,
                    reason.startsWith(file.toString()) ? reason : file + ": " + reason)));
            for (int i = 0; i < clashes.size(); i++) {
                all.add(PluginDescriptor.failed(clashFiles.get(i), clashes.get(i)));
            }
            descriptors = List.copyOf(all);
        }
        return descriptors;
    }

    /** Files that could not be loaded and id clashes, one line each. */
    public synchronized List<String> failures() {
        var all = new ArrayList<String>();
        refused.forEach((file, reason) -> all.add(reason.startsWith(file.toString()) ? reason : file + ": " + reason));
        all.addAll(clashes);
        return all;
    }

    private static PluginPins.Pinned pinned(Artifact artifact) {
        return new PluginPins.Pinned(artifact.source.toString(), artifact.sha256, artifact.version);
    }

    /**
     * What the host holds now, file by file, as the changes that brought it there: each file serving (as
     * loaded) and each refused. A server tells its pages of what it started with this way.
     */
    public synchronized List<PluginChange> current() {
        var all = new ArrayList<PluginChange>();
        serving.forEach((file, artifact) -> all.add(new PluginChange(PluginChange.Kind.LOADED, file,
                artifact.type.name().toLowerCase(Locale.ROOT), ids(artifact), artifact.version, null)));
        refused.forEach((file, reason) -> all.add(new PluginChange(PluginChange.Kind.FAILED, file, type(file), List.of(), null, reason)));
        all.sort(Comparator.comparing(c -> c.file().toString()));
        return all;
    }

    /**
     * Holds the versions now serving of the given plugins for one run, until {@link #release}.
     *
     * @throws BadInputException for an id that is not installed, naming the closest one
     */
    public synchronized PluginPins pin(Collection<String> saliencyIds, Collection<String> scheduleIds) {
        var pinned = new LinkedHashMap<String, PluginPins.Pinned>();
        var held = new HashSet<Artifact>();
        for (var id : saliencyIds) {
            var entry = entry(saliencies, InstalledPlugin.Kind.SALIENCY, id);
            pinned.put(PluginPins.key(InstalledPlugin.Kind.SALIENCY, id), pinned(entry.artifact()));
            held.add(entry.artifact());
        }
        for (var id : scheduleIds) {
            var entry = entry(schedules, InstalledPlugin.Kind.SCHEDULE, id);
            pinned.put(PluginPins.key(InstalledPlugin.Kind.SCHEDULE, id), pinned(entry.artifact()));
            held.add(entry.artifact());
        }
        held.forEach(a -> a.pins++);
        return new PluginPins(pinned);
    }

    /** Lets go of a run's versions; one that no longer serves and no run holds is unloaded. */
    public synchronized void release(PluginPins pins) {
        if (pins == null) {
            return;
        }
        var artifacts = new HashSet<String>();
        pins.pinned().values().forEach(p -> artifacts.add(p.artifact()));
        for (var key : artifacts) {
            var artifact = byKey.get(key);
            if (artifact != null && --artifact.pins == 0 && !artifact.serving) {
                byKey.remove(key);
                artifact.close();
            }
        }
    }

    /** How many plugin file versions are loaded, serving or held by a run. */
    public synchronized int loadedVersions() {
        return byKey.size();
    }

    public Resolved<SaliencyMethod> saliency(String id) {
        return saliency(id, null);
    }

    /** The saliency method with this id: the version a run pinned, or the one serving now. */
    public Resolved<SaliencyMethod> saliency(String id, PluginPins pins) {
        return resolve(SaliencyMethod.class, InstalledPlugin.Kind.SALIENCY, id, pins);
    }

    public Resolved<PruningSchedule> schedule(String id) {
        return schedule(id, null);
    }

    public Resolved<PruningSchedule> schedule(String id, PluginPins pins) {
        return resolve(PruningSchedule.class, InstalledPlugin.Kind.SCHEDULE, id, pins);
    }

    private <T> Resolved<T> resolve(Class<T> type, InstalledPlugin.Kind kind, String id, PluginPins pins) {
        Artifact artifact;
        synchronized (this) {
            var pinned = pins == null ? null : pins.pinned().get(PluginPins.key(kind, id));
            artifact = pinned == null ? null : byKey.get(pinned.artifact());
            if (artifact == null) {
                artifact = entry(kind == InstalledPlugin.Kind.SALIENCY ? saliencies : schedules, kind, id).artifact();
            }
        }
        // the plugin's constructor runs outside the lock, so a slow or stuck one holds up no other lookup
        return new Resolved<>(artifact.create(type, id), id, artifact.version);
    }

    private static Entry entry(Map<String, Entry> index, InstalledPlugin.Kind kind, String id) {
        var entry = index.get(id);
        if (entry == null) {
            throw unknown(kind, id, index.keySet());
        }
        return entry;
    }

    private static BadInputException unknown(InstalledPlugin.Kind kind, String id, Set<String> installed) {
        String suggestion = ClosestMatch.didYouMean(id, installed);
        return new BadInputException("unknown " + kind.label() + " '" + id + "'; installed: "
                + (installed.isEmpty() ? "none" : String.join(", ", installed)) + suggestion
                + ". 'secateur plugins' lists what is installed");
    }

    /** The directories this host loads from. */
    public List<Path> directories() {
        return directories;
    }

    @Override
    public synchronized void close() {
        loading.close();
        byKey.values().forEach(Artifact::close);
        byKey.clear();
        serving.clear();
        try (Stream<Path> left = Files.walk(shadow)) {
            left.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory
        }
    }
}
