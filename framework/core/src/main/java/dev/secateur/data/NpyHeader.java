package dev.secateur.data;

import dev.secateur.errors.BadInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dict after a {@code .npy} file's preamble, e.g. {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }},
 * parsed with just enough of Python's literal syntax.
 */
record NpyHeader(String descr, boolean fortranOrder, int[] shape) {

    static NpyHeader parse(String text, String source) {
        var parser = new Parser(text, source);
        Object value = parser.value();
        parser.end();
        if (!(value instanceof Map<?, ?> dict)) {
            throw parser.malformed(0, "a dict");
        }
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.containsKey(key)) {
                throw new BadInputException("NumPy file " + source + " has no '" + key + "' in its header " + NpyFile.clip(text)
                        + "; it was not written by numpy.save, so save it again with numpy.save");
            }
        }
        Object descr = dict.get("descr");
        if (!(descr instanceof String d)) {
            throw new BadInputException("NumPy file " + source + " has the structured dtype " + descr
                    + " (a record array); Secateur reads plain arrays of " + NpyFile.SUPPORTED
                    + ", so save each field as its own array, e.g. np.save(path, x['field'].astype('float32'))");
        }
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new BadInputException("NumPy file " + source + " has fortran_order " + dict.get("fortran_order")
                    + " in its header; it must be True or False, so save the file again with numpy.save");
        }
        return new NpyHeader(d, fortran, shape(dict.get("shape"), source));
    }

    private static int[] shape(Object value, String source) {
        if (!(value instanceof List<?> dims)) {
            throw new BadInputException("NumPy file " + source + " has shape " + value
                    + " in its header; it must be a tuple of sizes, so save the file again with numpy.save");
        }
        int[] shape = new int[dims.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0) {
                throw new BadInputException("NumPy file " + source + " has size " + dims.get(i) + " in dimension " + i
                        + " of its shape " + NpyFile.pyTuple(dims) + "; sizes are whole numbers ≥ 0, so the header is damaged: save it again");
            }
            if (d > NpyFile.MAX_ELEMENTS || (count *= d) > NpyFile.MAX_ELEMENTS) {
                throw new BadInputException("NumPy file " + source + " has shape " + NpyFile.pyTuple(dims) + ", more than the "
                        + NpyFile.grouped(NpyFile.MAX_ELEMENTS) + " elements one Java array holds; split it into smaller files");
            }
            shape[i] = (int) (long) d;
        }
        return shape;
    }

/** Just enough of Python's literal syntax for the header: dicts, tuples, lists, strings, ints, True/False/None. */
private static final class Parser {
    private final String text;
    private final String source;
    private int pos;

    Parser(String text, String source) {
        this.text = text;
        this.source = source;
    }

    Object value() {
        skipSpace();
        if (pos >= text.length()) {
            throw malformed(pos, "a value");
        }
        char c = text.charAt(pos);
        if (c == '{') {
            return dict();
        } else if (c == '(' || c == '[') {
            return sequence(c == '(' ? ')' : ']');
        } else if (c == '\'' || c == '"') {
            return string(c);
        } else if (c == '-' || Character.isDigit(c)) {
            return number();
        }
        int start = pos;
        while (pos < text.length() && Character.isLetter(text.charAt(pos))) {
            pos++;
        }
        return switch (text.substring(start, pos)) {
            case "True" -> Boolean.TRUE;
            case "False" -> Boolean.FALSE;
            case "None" -> "None";
            default -> throw malformed(start, "a value");
        };
    }

    private Map<String, Object> dict() {
        pos++;
        var dict = new LinkedHashMap<String, Object>();
        while (true) {
            skipSpace();
            if (peek() == '}') {
                pos++;
                return dict;
            }
            int at = pos;
            if (!(value() instanceof String key)) {
                throw malformed(at, "a quoted key");
            }
            expect(':');
            dict.put(key, value());
            skipSpace();
            if (peek() == ',') {
                pos++;
            } else if (peek() != '}') {
                throw malformed(pos, "',' or '}'");
            }
        }
    }

    private List<Object> sequence(char close) {
        pos++;
        var items = new ArrayList<Object>();
        while (true) {
            skipSpace();
            if (peek() == close) {
                pos++;
                return items;
            }
            items.add(value());
            skipSpace();
            if (peek() == ',') {
                pos++;
            } else if (peek() != close) {
                throw malformed(pos, "',' or '" + close + "'");
            }
        }
    }

    private String string(char quote) {
        var out = new StringBuilder();
        int start = pos++;
        while (pos < text.length() && text.charAt(pos) != quote) {
            char c = text.charAt(pos++);
            if (c == '\\' && pos < text.length()) {
                c = text.charAt(pos++);
            }
            out.append(c);
        }
        if (pos >= text.length()) {
            throw malformed(start, "a closing " + quote);
        }
        pos++;
        return out.toString();
    }

    private Long number() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        String digits = text.substring(start, pos);
        // Python 2's numpy wrote longs as 5L
        if (peek() == 'L' || peek() == 'l') {
            pos++;
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw malformed(start, "a number that fits in 64 bits");
        }
    }

    void end() {
        skipSpace();
        if (pos < text.length()) {
            throw malformed(pos, "the end of the header");
        }
    }

    private void expect(char c) {
        skipSpace();
        if (peek() != c) {
            throw malformed(pos, "'" + c + "'");
        }
        pos++;
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    BadInputException malformed(int at, String expected) {
        String found = at < text.length() ? "'" + text.charAt(at) + "'" : "the end";
        return new BadInputException("NumPy file " + source + " has a malformed header: at character " + at + " of "
                + NpyFile.clip(text) + " it expects " + expected + " but finds " + found
                + "; the file is damaged or was not written by numpy.save, so save it again");
    }
}
}
