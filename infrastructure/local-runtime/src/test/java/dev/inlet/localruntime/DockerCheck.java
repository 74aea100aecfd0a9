package dev.inlet.localruntime;

import org.testcontainers.DockerClientFactory;

/** Whether Testcontainers can reach a Docker engine; says so on the build output when it cannot. */
final class DockerCheck {

    private DockerCheck() {
    }

    static boolean available() {
        boolean available = DockerClientFactory.instance().isDockerAvailable();
        if (!available) {
            System.err.println("SKIPPED LocalStack tier (LocalStackRuntimeTest): no Docker engine is reachable here; "
                    + "it runs wherever Testcontainers finds Docker.");
        }
        return available;
    }
}
