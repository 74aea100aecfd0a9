package dev.inlet.localaws;

import java.util.Objects;
import java.util.Optional;

/** A template parameter; CloudFormation passes every parameter value as a string, so is the default here. */
public record TemplateParameter(String name, String type, Optional<String> defaultValue) {

    public TemplateParameter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
    }
}
