#!/usr/bin/env python3
"""Replace inline fully qualified class names in Java sources with imports.
usage: scripts/tools/imports.py [--check] FILE...   (--check: list them, change nothing)"""
import re, sys, os

ROOTS = ('java', 'javax', 'jdk', 'org', 'com', 'io', 'dev', 'groovy', 'picocli', 'onnx', 'net', 'sun', 'ai', 'me', 'oshi', 'ch')
FQN = re.compile(r'(?<![\w.@])((?:%s)(?:\.[a-z_][a-z0-9_]*)+)\.([A-Z][A-Za-z0-9_]*)\b' % '|'.join(ROOTS))
JAVA_LANG = set('Object String Override Integer Long Double Float Boolean Character Byte Short Math System Thread Runnable Exception RuntimeException Error Iterable Comparable Class Record Enum Number Void Process ProcessHandle Runtime StringBuilder Throwable AutoCloseable Deprecated SuppressWarnings FunctionalInterface SafeVarargs IllegalArgumentException IllegalStateException UnsupportedOperationException InterruptedException NullPointerException IndexOutOfBoundsException ArithmeticException ClassLoader Module StackOverflowError OutOfMemoryError AssertionError LinkageError InternalError SecurityException SecurityManager ThreadLocal InheritableThreadLocal StrictMath CharSequence Appendable Readable Cloneable ClassCastException NumberFormatException ReflectiveOperationException ClassNotFoundException NoSuchMethodException NoSuchFieldException ExceptionInInitializerError NoClassDefFoundError VirtualMachineError ThreadGroup StackTraceElement StackWalker ModuleLayer Package'.split())

def mask(src):
    """Source with comments, strings and chars blanked (same length), so only code is searched."""
    out = list(src); i = 0; n = len(src)
    while i < n:
        c = src[i]
        if src.startswith('//', i):
            j = src.find('\n', i); j = n if j < 0 else j
            for k in range(i, j): out[k] = ' '
            i = j
        elif src.startswith('/*', i):
            j = src.find('*/', i + 2); j = n if j < 0 else j + 2
            for k in range(i, j):
                if src[k] != '\n': out[k] = ' '
            i = j
        elif src.startswith('"""', i):
            j = src.find('"""', i + 3); j = n if j < 0 else j + 3
            for k in range(i, j):
                if src[k] != '\n': out[k] = ' '
            i = j
        elif c == '"' or c == "'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == '\\' else 1
            for k in range(i, min(j + 1, n)): out[k] = ' '
            i = j + 1
        else:
            i += 1
    return ''.join(out)

def analyse(path):
    src = open(path, encoding='utf-8').read()
    code = mask(src)
    pkg = re.search(r'^package\s+([\w.]+);', code, re.M)
    pkg = pkg.group(1) if pkg else ''
    imports = dict()  # simple -> fqn
    for m in re.finditer(r'^import\s+(static\s+)?([\w.]+)(\.\*)?;', code, re.M):
        if not m.group(1) and not m.group(3):
            imports[m.group(2).rsplit('.', 1)[1]] = m.group(2)
    declared = set(re.findall(r'\b(?:class|interface|enum|record)\s+([A-Z]\w*)', code))
    same_pkg = set()
    d = os.path.dirname(path)
    for f in os.listdir(d):
        if f.endswith('.java'): same_pkg.add(f[:-5])
    hits = []
    for m in FQN.finditer(code):
        line_start = code.rfind('\n', 0, m.start()) + 1
        line = code[line_start:code.find('\n', m.start())]
        if re.match(r'\s*(package|import)\b', line):
            continue
        hits.append((m.start(), m.end(), m.group(1), m.group(2), src.count('\n', 0, m.start()) + 1))
    return src, pkg, imports, declared, same_pkg, hits

def fix(path):
    src, pkg, imports, declared, same_pkg, hits = analyse(path)
    if not hits: return [], 0
    chosen = {}  # simple -> fqn to import
    left = []
    for s, e, p, c, line in hits:
        fq = p + '.' + c
        if imports.get(c) == fq or chosen.get(c) == fq:
            continue
        clash = (c in imports and imports[c] != fq) or (c in chosen and chosen[c] != fq) \
            or (c in declared) or (c in same_pkg and p != pkg) or (c in JAVA_LANG and p != 'java.lang')
        if clash: left.append((line, fq)); continue
        if p == pkg or p == 'java.lang':
            chosen.setdefault(c, None)
        else:
            chosen[c] = fq
    # replace from the end so offsets hold
    out = src
    for s, e, p, c, line in sorted(hits, reverse=True):
        fq = p + '.' + c
        if (c in chosen and (chosen[c] == fq or (chosen[c] is None and (p == pkg or p == 'java.lang')))) or imports.get(c) == fq:
            out = out[:s] + c + out[e:]
    new = sorted(set(f for f in chosen.values() if f))
    if new:
        lines = out.split('\n')
        idx = [i for i, l in enumerate(lines) if re.match(r'import\s+(?!static)[\w.]+;', l)]
        if idx:
            first, last = idx[0], idx[-1]
            block = [l for l in lines[first:last + 1] if l.strip()]
            plain = sorted(set([l for l in block if not l.startswith('import static')] + ['import %s;' % f for f in new]))
            statics = [l for l in block if l.startswith('import static')]
            rebuilt = (statics + [''] if statics else []) + plain
            lines = lines[:first] + rebuilt + lines[last + 1:]
        else:
            p = next(i for i, l in enumerate(lines) if l.startswith('package '))
            # after any static imports block
            j = p + 1
            while j < len(lines) and (lines[j].strip() == '' or lines[j].startswith('import static')): j += 1
            ins = ['import %s;' % f for f in new]
            k = p + 1
            statics = [i for i in range(p + 1, j) if lines[i].startswith('import static')]
            if statics:
                k = statics[-1] + 1
                lines = lines[:k] + [''] + ins + lines[k:]
            else:
                lines = lines[:p + 1] + [''] + ins + lines[p + 1:]
        out = '\n'.join(lines)
    open(path, 'w', encoding='utf-8').write(out)
    return left, len(hits)

if __name__ == '__main__':
    check = sys.argv[1] == '--check'
    files = sys.argv[2:] if check else sys.argv[1:]
    total = 0; lefts = []
    for f in files:
        if check:
            _, _, _, _, _, hits = analyse(f)
            for h in hits: print('%s:%d: %s.%s' % (f, h[4], h[2], h[3]))
            total += len(hits)
        else:
            left, n = fix(f); total += n
            for l in left: lefts.append('%s:%d: %s' % (f, l[0], l[1]))
    print('occurrences:', total, file=sys.stderr)
    for l in lefts: print('LEFT (clash)', l, file=sys.stderr)
