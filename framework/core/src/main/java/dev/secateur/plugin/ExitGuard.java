package dev.secateur.plugin;

import dev.secateur.errors.ExitRefusedException;
import groovy.lang.GroovyClassLoader;
import java.lang.reflect.Field;
import java.security.Permission;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import org.pf4j.PluginClassLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops plugins and submitted scripts from ending the process. {@code System.exit}, {@code Runtime.exit} and
 * {@code Runtime.halt} all ask the security manager's {@link #checkExit} first, whichever way they were
 * reached (a direct call, a Groovy dynamic call, reflection, a method name built at run time), so the check
 * is at the call, not in the spelling: it refuses when a class on the call stack was loaded by a plugin's or
 * a script's class loader (a PF4J {@link PluginClassLoader}, or a {@link GroovyClassLoader}, which compiles
 * Groovy source plugins and scripts), or when the thread was started by such code (its thread group; see
 * {@link #getThreadGroup}). Every other permission is granted at once: this is an exit guard, not a sandbox.
 *
 * <p>The {@link SecurityManager} is the JDK's only hook that sees every way out of the JVM; it is deprecated
 * since JDK 17 and removed in JDK 24. On JDK 18 to 23 it needs {@code -Djava.security.manager=allow}
 * (bin/secateur and the test JVMs pass it); where it cannot be installed, {@link #install} logs that the guard
 * is unavailable and the process runs without it.
 */
public final class ExitGuard extends SecurityManager {

    private static final Logger LOG = LoggerFactory.getLogger(ExitGuard.class);

    /** Whether the guard is in place, and if not, why. */
    public record Status(boolean active, String reason) {
    }

    /** Threads started by plugin or script code, and the threads they start in turn. */
    private final ThreadGroup pluginThreads = new ThreadGroup("secateur-plugin-threads");

    private ExitGuard() {
    }

    /** Installs the guard once per process; later calls report what the first one did. */
    public static synchronized Status install() {
        if (System.getSecurityManager() instanceof ExitGuard) {
            return new Status(true, "installed");
        }
        if (System.getSecurityManager() != null) {
            return unavailable("another security manager (" + System.getSecurityManager().getClass().getName() + ") is installed");
        }
        // the common pool picks innocuous threads (no permissions, no context class loader) if a security
        // manager exists when it is made; made first, it keeps ordinary ones
        ForkJoinPool.commonPool();
        var guard = new ExitGuard();
        markWarned();
        try {
            System.setSecurityManager(guard);
        } catch (UnsupportedOperationException e) {
            return unavailable(Runtime.version().feature() >= 24
                    ? "Java " + Runtime.version().feature() + " removed the SecurityManager (JEP 486); run Secateur on Java 17 to 23"
                    : "this JVM refuses a SecurityManager; start it with -Djava.security.manager=allow (bin/secateur does)");
        }
        LOG.debug("plugin exit guard installed");
        return new Status(true, "installed");
    }

    /**
     * Java 17 to 23 print a four-line "terminally deprecated method" warning on stderr the first time a class
     * calls {@code System.setSecurityManager}, once per calling class. It asks a library's users to report a
     * library that installs one behind the application's back; here the application installs it on purpose
     * (docs/plugins.md), and the warning would precede the output of every command. So this class is recorded
     * as warned already. That needs {@code --add-opens java.base/java.lang} (bin/secateur and the test JVMs
     * pass it); without it, or on a JDK built differently, the JDK prints its warning and nothing else changes.
     */
    @SuppressWarnings("unchecked")
    private static void markWarned() {
        try {
            Field callers = Class.forName("java.lang.System$CallersHolder").getDeclaredField("callers");
            callers.setAccessible(true);
            ((Map<Class<?>, Boolean>) callers.get(null)).putIfAbsent(ExitGuard.class, Boolean.TRUE);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // the JDK's warning is printed
        }
    }

    private static Status unavailable(String why) {
        LOG.warn("plugin exit guard unavailable: {}; a plugin or script that calls System.exit, Runtime.exit or Runtime.halt "
                + "can end this process", why);
        return new Status(false, why);
    }

    @Override
    public void checkExit(int status) {
        Class<?> culprit = untrustedCaller();
        if (culprit != null) {
            throw new ExitRefusedException("plugin or script code (" + culprit.getName() + ") tried to end the process (exit status "
                    + status + "); a plugin or script may not call System.exit, Runtime.exit or Runtime.halt: throw an exception "
                    + "or return instead");
        }
        if (inPluginThread()) {
            throw new ExitRefusedException("a thread started by plugin or script code (" + Thread.currentThread().getName()
                    + ") tried to end the process (exit status " + status + "); plugins and scripts may not call System.exit, "
                    + "Runtime.exit or Runtime.halt");
        }
    }

    @Override
    public void checkPermission(Permission permission) {
        if (permission instanceof RuntimePermission && permission.getName().startsWith("exitVM")) {
            checkExit(exitStatus(permission.getName()));
        }
        // everything else is allowed: the guard only keeps the process alive
    }

    @Override
    public void checkPermission(Permission permission, Object context) {
        checkPermission(permission);
    }

    /**
     * The group of a thread created without one: the plugins' group when plugin or script code creates it (so a
     * thread it starts cannot exit either), otherwise the creating thread's group, as without a security manager.
     */
    @Override
    public ThreadGroup getThreadGroup() {
        return untrustedCaller() != null ? pluginThreads : Thread.currentThread().getThreadGroup();
    }

    private boolean inPluginThread() {
        for (var group = Thread.currentThread().getThreadGroup(); group != null; group = group.getParent()) {
            if (group == pluginThreads) {
                return true;
            }
        }
        return false;
    }

    /** The first class on the call stack that a plugin or a script brought, or null. */
    private Class<?> untrustedCaller() {
        for (Class<?> type : getClassContext()) {
            if (untrusted(type.getClassLoader())) {
                return type;
            }
        }
        return null;
    }

    /** Whether a class loader holds plugin or script code: where Artifact and ScriptRunner load it. */
    static boolean untrusted(ClassLoader loader) {
        return loader instanceof GroovyClassLoader || loader instanceof PluginClassLoader;
    }

    private static int exitStatus(String name) {
        try {
            return Integer.parseInt(name.substring(name.indexOf('.') + 1));
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
