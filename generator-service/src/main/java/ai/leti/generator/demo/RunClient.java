package ai.leti.generator.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import ai.leti.common.json.Jsonl;
import ai.leti.generator.run.RunStatus;

/** The generator's REST API as the demo uses it: create and start a run, then read its status (each with the token). */
final class RunClient {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI base;
    private final String token;

    /** @param token the generator's API token (every runs endpoint needs it) */
    RunClient(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    /** Creates and starts a run; returns its id. */
    String start(String requestJson) throws IOException, InterruptedException {
        RunStatus created = send(HttpRequest.newBuilder(base.resolve("/runs"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(requestJson)), 201);
        send(HttpRequest.newBuilder(base.resolve("/runs/" + created.id() + "/start"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()), 202);
        return created.id();
    }

    RunStatus status(String id) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve("/runs/" + id)).header("Authorization", "Bearer " + token).GET(), 200);
    }

    private RunStatus send(HttpRequest.Builder request, int expected) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IOException("generator answered " + response.statusCode() + " to " + response.request().method() + " "
                    + response.request().uri() + ": " + response.body());
        }
        return Jsonl.MAPPER.readValue(response.body(), RunStatus.class);
    }
}
