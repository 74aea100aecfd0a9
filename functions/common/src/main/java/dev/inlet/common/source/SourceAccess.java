package dev.inlet.common.source;

import dev.inlet.common.auth.Principal;
import dev.inlet.common.crypto.Ids;
import dev.inlet.common.error.ApiError;
import dev.inlet.common.store.SourceRepository;

/**
 * The access rule every source operation shares: a project token sees only its own project's sources, and any
 * other source answers 404 exactly as one that does not exist.
 */
public final class SourceAccess {

    private final SourceRepository sources;

    public SourceAccess(SourceRepository sources) {
        this.sources = sources;
    }

    public Source visible(Principal principal, String id) {
        if (!Ids.looksLike(id, Ids.SOURCE)) {
            throw ApiError.notFound("Source " + SourceRules.printable(id));
        }
        return sources.find(id).filter(s -> principal.canAccess(s.projectId()))
                .orElseThrow(() -> ApiError.notFound("Source " + id));
    }

    static ApiError revoked() {
        return ApiError.conflict("source_revoked",
                "The source is revoked, which is final; create a new source instead");
    }
}
