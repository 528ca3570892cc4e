package dev.secateur.server;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The first handler of every route, Jupyter's model: the Host header must name this machine, and the request
 * must carry the server's token, as {@code Authorization: Bearer} (clients) or as the cookie that a visit to
 * the printed {@code /?token=...} URL sets (browsers). Reads need it too: specs, outputs and meters say what
 * the user works on. Then the headers every answer carries.
 */
final class AccessGate {

    /** The query parameter of the printed URL; it is swapped for the cookie at once, so the page never keeps it. */
    static final String TOKEN_PARAM = "token";
    /** One cookie per port: cookies ignore ports, and two servers on one machine have two tokens. */
    static final String COOKIE_PREFIX = "secateur-token-";
    /** The dashboard's own pages: its scripts only, nothing inline, no frames, no forms, nothing elsewhere. */
    static final String PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final ApiToken token;
    private final Supplier<Path> tokenFile;
    private final Set<String> hosts;
    private final String described;

    /**
     * @param tokenFile where the token is, named in the 401 (known once the server listens)
     * @param hosts     the Host names accepted, lower case, as {@link #hostsFor} makes them
     */
    AccessGate(ApiToken token, Supplier<Path> tokenFile, Set<String> hosts) {
        this.token = token;
        this.tokenFile = tokenFile;
        this.hosts = Set.copyOf(hosts);
        this.described = String.join(", ", new TreeSet<>(hosts));
    }

    /**
     * The names a request may give in its Host header: loopback always; the bound address; on a wildcard
     * address (0.0.0.0, ::) this machine's name and addresses too; and what {@code --allow-host} adds. A
     * page on some other name that its owner made resolve here (DNS rebinding) is refused on every interface.
     */
    static Set<String> hostsFor(String boundHost, Collection<String> allowed) {
        var names = new TreeSet<String>(Set.of("127.0.0.1", "localhost", "[::1]", "::1"));
        String bound = boundHost.toLowerCase(Locale.ROOT);
        if (isWildcard(bound)) {
            names.addAll(machineNames());
        } else {
            names.add(bound);
            names.add(bracketed(bound));
        }
        for (String name : allowed) {
            names.add(name.trim().toLowerCase(Locale.ROOT));
        }
        return names;
    }

    static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    /** An IPv6 address as a URL and a Host header write it. */
    static String bracketed(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** This machine's host name, its canonical name, and the addresses of its interfaces. */
    private static Set<String> machineNames() {
        var names = new TreeSet<String>();
        try {
            var local = InetAddress.getLocalHost();
            names.add(local.getHostName().toLowerCase(Locale.ROOT));
            names.add(local.getCanonicalHostName().toLowerCase(Locale.ROOT));
        } catch (UnknownHostException e) {
            // a machine without a resolvable name is reached by its addresses
        }
        try {
            for (var nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (var address : Collections.list(nic.getInetAddresses())) {
                    String text = address.getHostAddress();
                    int zone = text.indexOf('%');
                    text = (zone >= 0 ? text.substring(0, zone) : text).toLowerCase(Locale.ROOT);
                    names.add(text);
                    names.add(bracketed(text));
                }
            }
        } catch (SocketException e) {
            // no interfaces listed: loopback and --allow-host still work
        }
        return names;
    }

    void mount(Router router) {
        router.route().order(-1000).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        var request = ctx.request();
        // the Host header of HTTP/1.1, or the :authority of HTTP/2
        var authority = request.authority();
        String host = authority == null ? null : authority.host().toLowerCase(Locale.ROOT);
        if (host == null || !hosts.contains(host)) {
            HttpJson.error(ctx, 403, "FORBIDDEN_HOST", "this server answers requests for " + described + " only, and this one was for "
                    + host + "; open it by one of those names, or start serve with --allow-host " + (host == null ? "NAME" : host));
            return;
        }
        ctx.response().putHeader("x-content-type-options", "nosniff").putHeader("x-frame-options", "DENY")
                .putHeader("referrer-policy", "no-referrer").putHeader("cache-control", "no-store")
                .putHeader("content-security-policy", PAGE_POLICY);
        String given = request.getParam(TOKEN_PARAM);
        if (given != null) {
            exchange(ctx, given);
            return;
        }
        if (token.accepts(request.getHeader("Authorization"))) {
            ctx.next();
            return;
        }
        var cookie = request.getCookie(cookieName(request));
        if (cookie != null && token.matches(cookie.getValue())) {
            if (!sameOrigin(request)) {
                HttpJson.error(ctx, 403, "FORBIDDEN_ORIGIN", "a " + request.method() + " with the dashboard's cookie must come from the "
                        + "dashboard's own page (Origin " + request.getHeader("Origin") + " is not it); clients send 'Authorization: "
                        + "Bearer <token>' instead");
                return;
            }
            ctx.next();
            return;
        }
        HttpJson.error(ctx, 401, "UNAUTHORIZED", "this server needs its API token on every request: open the URL it printed "
                + "(http://HOST:PORT/?token=...) in the browser, or send 'Authorization: Bearer <token>' with the token in "
                + tokenFile.get() + " (bin/secateur submit reads it from there)");
    }

    /** The printed URL: the token becomes an HttpOnly, same-site cookie, and the browser goes on to the URL without it. */
    private void exchange(RoutingContext ctx, String given) {
        var request = ctx.request();
        if (!token.matches(given)) {
            HttpJson.error(ctx, 401, "UNAUTHORIZED", "the token in the URL is not this server's; open the URL the server printed, "
                    + "or read the token in " + tokenFile.get());
            return;
        }
        var cookie = Cookie.cookie(cookieName(request), token.value()).setPath("/").setHttpOnly(true)
                .setSameSite(CookieSameSite.STRICT);
        ctx.response().addCookie(cookie).putHeader("location", withoutToken(ctx)).setStatusCode(303).end();
    }

    private static String withoutToken(RoutingContext ctx) {
        var rest = new StringBuilder();
        ctx.queryParams().forEach((name, value) -> {
            if (!name.equals(TOKEN_PARAM)) {
                rest.append(rest.isEmpty() ? "?" : "&").append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        });
        return ctx.request().path() + rest;
    }

    static String cookieName(HttpServerRequest request) {
        return COOKIE_PREFIX + request.localAddress().port();
    }

    /**
     * Whether a request with the cookie may act: reads may (a cross-origin page cannot read the answer), and a
     * change only from the dashboard's own origin. SameSite ignores ports, so a page on another local port
     * would otherwise ride on the cookie; a sandboxed report sends Origin null.
     */
    private static boolean sameOrigin(HttpServerRequest request) {
        if (request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD) {
            return true;
        }
        String origin = request.getHeader("Origin");
        return origin != null && request.authority() != null && origin.equalsIgnoreCase("http://" + request.authority());
    }
}
