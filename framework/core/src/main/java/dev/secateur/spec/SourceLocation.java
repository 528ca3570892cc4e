package dev.secateur.spec;

/** Where a declaration was written, so an error found later can point at it. */
public record SourceLocation(String file, int line) {
    @Override
    public String toString() {
        return file + ":" + line;
    }
}
