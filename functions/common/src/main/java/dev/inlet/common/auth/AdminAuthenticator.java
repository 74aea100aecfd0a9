package dev.inlet.common.auth;

import dev.inlet.common.config.SecretValues;
import dev.inlet.common.crypto.SecretHasher;
import dev.inlet.common.crypto.Secrets;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.http.ApiRequest;
import dev.inlet.common.logging.RequestLog;
import dev.inlet.common.project.AdminToken;
import dev.inlet.common.store.AdminTokenRepository;
import java.util.Optional;

/**
 * Authenticates {@code Authorization: Bearer <token>}: the root token (compared in constant time) or a project
 * token (looked up by its HMAC; malformed ones are refused without a read). Every refusal is the same 401, so a
 * caller learns nothing about which tokens exist.
 */
public final class AdminAuthenticator {

    private final SecretValues secrets;
    private final SecretHasher hasher;
    private final AdminTokenRepository tokens;

    public AdminAuthenticator(SecretValues secrets, SecretHasher hasher, AdminTokenRepository tokens) {
        this.secrets = secrets;
        this.hasher = hasher;
        this.tokens = tokens;
    }

    public Principal authenticate(ApiRequest request) {
        Principal principal = principal(request);
        RequestLog.actor(principal.actor(), principal.projectId().orElse(null));
        return principal;
    }

    private Principal principal(ApiRequest request) {
        String token = bearerToken(request);
        if (token.startsWith(AdminToken.TOKEN_PREFIX)) {
            if (!Secrets.isWellFormed(token, AdminToken.TOKEN_PREFIX, hasher)) {
                throw invalid();
            }
            AdminToken stored = tokens.findByHash(hasher.hash(token)).orElseThrow(AdminAuthenticator::invalid);
            if (stored.isRevoked()) {
                throw invalid();
            }
            return Principal.project(stored.projectId(), stored.id());
        }
        if (hasher.matches(token, secrets.adminToken())) {
            return Principal.root();
        }
        throw invalid();
    }

    /** Authenticates and requires the root token (403 for a valid project token). */
    public Principal authenticateRoot(ApiRequest request) {
        Principal principal = authenticate(request);
        if (!principal.isRoot()) {
            throw ApiError.forbidden("This route needs the root admin token; project tokens manage sources only");
        }
        return principal;
    }

    private static String bearerToken(ApiRequest request) {
        Optional<String> header = request.header("authorization");
        if (header.isEmpty() || header.get().isBlank()) {
            throw ApiError.unauthorized("Send an admin token as 'Authorization: Bearer <token>'");
        }
        String value = header.get().strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
            throw ApiError.unauthorized("The Authorization header must use the Bearer scheme");
        }
        String token = value.substring(space + 1).strip();
        if (token.isEmpty() || token.length() > 512) {
            throw invalid();
        }
        return token;
    }

    private static ApiError invalid() {
        return ApiError.unauthorized("The admin token is invalid or revoked");
    }
}
