package dev.inlet.common.project;

import java.time.Instant;

/** A project groups sources; a project admin token sees only its own project's sources. */
public record Project(String id, String name, Instant createdAt) {

    /** Sources created by the root token without naming a project land here. */
    public static final String DEFAULT_ID = "default";
}
