package dev.secateur.architecture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds class names spelled out in full inside Java code, where an import would say at the top of the file
 * what the class depends on. Comments, strings, and the package and import lines are not code here; a full
 * name is allowed only where its simple name is taken in that file (imported from elsewhere, declared in it,
 * or a class of its own package), as Java then leaves no other way.
 */
final class QualifiedNames {

    private static final Pattern QUALIFIED = Pattern.compile(
            "(?<![\\w.@])((?:java|javax|jdk|org|com|io|dev|groovy|picocli|onnx|net|sun|ai)(?:\\.[a-z_][a-z0-9_]*)+)\\.([A-Z][A-Za-z0-9_]*)\\b");
    private static final Pattern IMPORT = Pattern.compile("(?m)^import\\s+([\\w.]+)\\.([A-Z]\\w*);");
    private static final Pattern PACKAGE = Pattern.compile("(?m)^package\\s+([\\w.]+);");
    private static final Pattern DECLARED = Pattern.compile("\\b(?:class|interface|enum|record)\\s+([A-Z]\\w*)");

    private QualifiedNames() {
    }

    /** "file:line: name" for every full name in code that an import could replace. */
    static List<String> inline(Path file) {
        String source;
        try {
            source = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String code = codeOnly(source);
        var pkg = PACKAGE.matcher(code);
        String own = pkg.find() ? pkg.group(1) : "";
        Map<String, String> imported = new HashMap<>();
        var imports = IMPORT.matcher(code);
        while (imports.find()) {
            imported.put(imports.group(2), imports.group(1));
        }
        Set<String> taken = new HashSet<>();
        var declared = DECLARED.matcher(code);
        while (declared.find()) {
            taken.add(declared.group(1));
        }
        try (var siblings = Files.list(file.getParent())) {
            siblings.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".java"))
                    .forEach(f -> taken.add(f.substring(0, f.length() - 5)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var found = new ArrayList<String>();
        Matcher name = QUALIFIED.matcher(code);
        while (name.find()) {
            int lineStart = code.lastIndexOf('\n', name.start()) + 1;
            String line = code.substring(lineStart, Math.max(lineStart, code.indexOf('\n', name.start())));
            if (line.stripLeading().startsWith("package ") || line.stripLeading().startsWith("import ")) {
                continue;
            }
            String packageName = name.group(1);
            String simple = name.group(2);
            boolean clash = imported.containsKey(simple) && !imported.get(simple).equals(packageName)
                    || taken.contains(simple) && !packageName.equals(own);
            if (!clash) {
                long lineNumber = code.substring(0, name.start()).chars().filter(c -> c == '\n').count() + 1;
                found.add(file + ":" + lineNumber + ": " + packageName + "." + simple);
            }
        }
        return found;
    }

    /** The source with comments, strings and character literals blanked, lines kept where they were. */
    static String codeOnly(String source) {
        var out = new StringBuilder(source);
        int i = 0;
        int n = source.length();
        while (i < n) {
            int end;
            if (source.startsWith("//", i)) {
                end = source.indexOf('\n', i);
                end = end < 0 ? n : end;
            } else if (source.startsWith("/*", i)) {
                end = source.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                end = source.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end + 3;
            } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
                char quote = source.charAt(i);
                end = i + 1;
                while (end < n && source.charAt(end) != quote) {
                    end += source.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(end + 1, n);
            } else {
                i++;
                continue;
            }
            for (int k = i; k < end; k++) {
                if (out.charAt(k) != '\n') {
                    out.setCharAt(k, ' ');
                }
            }
            i = end;
        }
        return out.toString();
    }
}
