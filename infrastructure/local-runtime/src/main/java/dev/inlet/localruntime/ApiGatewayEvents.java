package dev.inlet.localruntime;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent.RequestContext;

import dev.inlet.localaws.HttpRoute;

/** Builds the payload-format 2.0 event API Gateway HTTP APIs hand to Lambda, field by field as AWS fills them. */
public final class ApiGatewayEvents {

    public static final String API_ID = "local";
    public static final String STAGE = "$default";

    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiGatewayEvents() {
    }

    /** A request id shaped like API Gateway's (16 characters of base64, e.g. {@code JKJaXmPLvHcESHA=}). */
    public static String newRequestId() {
        byte[] bytes = new byte[11];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    public static APIGatewayV2HTTPEvent toEvent(IncomingRequest request, HttpRoute route,
                                                Map<String, String> pathParameters, String requestId, Instant now) {
        String host = request.firstHeader("host");
        String domainName = host == null ? "localhost" : stripPort(host);
        String userAgent = request.firstHeader("user-agent");

        RequestContext.Http http = new RequestContext.Http();
        http.setMethod(request.method());
        http.setPath(request.rawPath());
        http.setProtocol(request.protocol());
        http.setSourceIp(request.sourceIp());
        http.setUserAgent(userAgent == null ? "" : userAgent);

        RequestContext context = new RequestContext();
        context.setAccountId(LocalLambdaContext.ACCOUNT_ID);
        context.setApiId(API_ID);
        context.setDomainName(domainName);
        context.setDomainPrefix(domainName.split("\\.", 2)[0]);
        context.setHttp(http);
        context.setRequestId(requestId);
        context.setRouteKey(route.routeKey());
        context.setStage(STAGE);
        context.setTime(REQUEST_TIME.format(now));
        context.setTimeEpoch(now.toEpochMilli());

        APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
        event.setVersion("2.0");
        event.setRouteKey(route.routeKey());
        event.setRawPath(request.rawPath());
        event.setRawQueryString(request.rawQuery());
        event.setCookies(cookies(request));
        event.setHeaders(headers(request));
        event.setQueryStringParameters(queryParameters(request.rawQuery()));
        event.setPathParameters(pathParameters.isEmpty() ? null : new LinkedHashMap<>(pathParameters));
        event.setRequestContext(context);
        if (request.body().length > 0) {
            boolean text = isText(request);
            event.setIsBase64Encoded(!text);
            event.setBody(text ? new String(request.body(), StandardCharsets.UTF_8)
                    : Base64.getEncoder().encodeToString(request.body()));
        }
        return event;
    }

    /** API Gateway passes text as text and everything else (or anything content-encoded) as base64. */
    static boolean isText(IncomingRequest request) {
        if (request.firstHeader("content-encoding") != null) {
            return false;
        }
        String contentType = request.firstHeader("content-type");
        if (contentType == null) {
            return true;
        }
        String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return mediaType.startsWith("text/")
                || mediaType.equals("application/json")
                || (mediaType.startsWith("application/") && mediaType.endsWith("+json"))
                || mediaType.equals("application/xml")
                || mediaType.equals("application/x-www-form-urlencoded");
    }

    /** Lower-case names, repeated headers joined with commas, Cookie moved to {@code cookies}, x-forwarded-* added. */
    private static Map<String, String> headers(IncomingRequest request) {
        Map<String, List<String>> byName = new LinkedHashMap<>();
        request.headers().forEach((name, values) ->
                byName.computeIfAbsent(name.toLowerCase(Locale.ROOT), key -> new ArrayList<>()).addAll(values));
        byName.remove("cookie");
        byName.computeIfAbsent("x-forwarded-for", key -> new ArrayList<>()).add(request.sourceIp());
        byName.computeIfAbsent("x-forwarded-port", key -> new ArrayList<>(List.of(String.valueOf(request.localPort()))));
        byName.computeIfAbsent("x-forwarded-proto", key -> new ArrayList<>(List.of("http")));
        byName.computeIfAbsent("x-amzn-trace-id", key -> new ArrayList<>(List.of(newTraceId())));

        Map<String, String> headers = new LinkedHashMap<>();
        byName.forEach((name, values) -> headers.put(name, String.join(",", values)));
        return headers;
    }

    private static List<String> cookies(IncomingRequest request) {
        List<String> cookies = request.headerValues("cookie").stream()
                .flatMap(header -> Arrays.stream(header.split("; ")))
                .filter(cookie -> !cookie.isBlank())
                .toList();
        return cookies.isEmpty() ? null : new ArrayList<>(cookies);
    }

    /** Values URL-decoded (a plus becomes a space, as API Gateway does), repeated names joined with commas. */
    static Map<String, String> queryParameters(String rawQuery) {
        if (rawQuery.isEmpty()) {
            return null;
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            parameters.merge(name, value, (first, second) -> first + "," + second);
        }
        return parameters.isEmpty() ? null : parameters;
    }

    private static String decode(String component) {
        try {
            return URLDecoder.decode(component, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return component;
        }
    }

    private static String stripPort(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.lastIndexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    /** X-Ray's format: Root=1-{epoch seconds, hex}-{96 random bits, hex}. */
    private static String newTraceId() {
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        return "Root=1-" + Long.toHexString(Instant.now().getEpochSecond()) + "-" + HexFormat.of().formatHex(random);
    }
}
