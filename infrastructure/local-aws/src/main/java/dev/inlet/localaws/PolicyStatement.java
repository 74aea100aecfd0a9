package dev.inlet.localaws;

import java.util.List;
import java.util.Objects;

/**
 * One IAM statement from a function's {@code Policies}. Resources stay as parsed ({@code {"Fn::GetAtt": [T, Arn]}},
 * {@code {"Fn::Sub": "${T.Arn}/index/x"}}, plain strings), since what they resolve to depends on where they run.
 */
public record PolicyStatement(String effect, List<String> actions, List<Object> resources) {

    public PolicyStatement {
        Objects.requireNonNull(effect, "effect");
        actions = List.copyOf(actions);
        resources = List.copyOf(resources);
    }

    public boolean isAllow() {
        return "Allow".equals(effect);
    }
}
