package ai.leti.cli.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import ai.leti.common.json.Jsonl;
import ai.leti.common.runs.RunStatus;

/**
 * The generator's REST API as the demo and the report use it: create and start a run, then read its status and its
 * history (each with the token).
 */
public final class RunClient {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI base;
    private final String token;

    /** @param token the generator's API token (every runs endpoint needs it) */
    public RunClient(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    /** The token a client holds: the file's content if one is named, else {@code $LETI_GENERATOR_API_TOKEN}. */
    public static String token(java.nio.file.Path tokenFile) throws IOException {
        if (tokenFile != null) {
            return java.nio.file.Files.readString(tokenFile).strip();
        }
        String token = System.getenv("LETI_GENERATOR_API_TOKEN");
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the generator's API token: set LETI_GENERATOR_API_TOKEN or give --token-file");
        }
        return token.strip();
    }

    /** Creates and starts a run; returns its id. */
    public String start(String requestJson) throws IOException, InterruptedException {
        RunStatus created = send(HttpRequest.newBuilder(base.resolve("/runs"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(requestJson)), 201);
        send(HttpRequest.newBuilder(base.resolve("/runs/" + created.id() + "/start"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()), 202);
        return created.id();
    }

    public RunStatus status(String id) throws IOException, InterruptedException {
        return Jsonl.MAPPER.readValue(text(HttpRequest.newBuilder(base.resolve("/runs/" + id))
                .header("Authorization", "Bearer " + token).GET(), 200), RunStatus.class);
    }

    /** The run's history file as the generator keeps it (JSON lines, {@code RunHistory}). */
    public String history(String id) throws IOException, InterruptedException {
        return text(HttpRequest.newBuilder(base.resolve("/runs/" + id + "/history"))
                .header("Authorization", "Bearer " + token).GET(), 200);
    }

    private RunStatus send(HttpRequest.Builder request, int expected) throws IOException, InterruptedException {
        return Jsonl.MAPPER.readValue(text(request, expected), RunStatus.class);
    }

    private String text(HttpRequest.Builder request, int expected) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IOException("generator answered " + response.statusCode() + " to " + response.request().method() + " "
                    + response.request().uri() + ": " + response.body());
        }
        return response.body();
    }
}
