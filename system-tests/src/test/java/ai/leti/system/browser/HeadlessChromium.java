package ai.leti.system.browser;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import ai.leti.common.json.Jsonl;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Debian's headless Chromium driven over the Chrome DevTools Protocol, with nothing but the JDK's HTTP client and
 * WebSocket: opens a local HTML file and reports what a person looking at it would notice is wrong (console errors,
 * uncaught exceptions, failed loads, broken images), its title, and a full-page screenshot. One browser serves any
 * number of pages, each in a fresh tab; {@link #close()} kills the browser and its helper processes.
 */
public final class HeadlessChromium implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(30);
    private static final Duration LOAD = Duration.ofSeconds(30);
    private static final Duration COMMAND = Duration.ofSeconds(30);
    /** After the load event: time for timers, late script errors and late failed loads to report. */
    private static final Duration SETTLE = Duration.ofMillis(500);
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://[^\\s]+)");
    private static final int LOG_TAIL = 40;
    /** Evaluated in the loaded page; returns its title and every image with whether it rendered. */
    private static final String INSPECT = """
            ({title: document.title,
              images: Array.from(document.querySelectorAll('img')).map(img => ({
                src: img.getAttribute('src') ?? img.currentSrc ?? '',
                loaded: img.complete && img.naturalWidth > 0}))})
            """;

    private final Process process;
    private final Path profile;
    private final URI http;
    private final Deque<String> log;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(COMMAND).build();

    private HeadlessChromium(Process process, Path profile, URI http, Deque<String> log) {
        this.process = process;
        this.profile = profile;
        this.http = http;
        this.log = log;
    }

    /** What a page showed once loaded: {@code brokenImages} by their {@code src}; errors in the order reported. */
    public record PageReport(String title, int images, List<String> brokenImages, List<String> consoleErrors) {

        public PageReport {
            brokenImages = List.copyOf(brokenImages);
            consoleErrors = List.copyOf(consoleErrors);
        }

        /** No console error, no uncaught exception and no broken image. */
        public boolean clean() {
            return brokenImages.isEmpty() && consoleErrors.isEmpty();
        }
    }

    /** {@code /usr/bin/chromium}, else {@code chromium} on the {@code PATH}; empty when there is neither. */
    public static Optional<Path> binary() {
        Path debian = Path.of("/usr/bin/chromium");
        if (Files.isExecutable(debian)) {
            return Optional.of(debian);
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(File.pathSeparator)).filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, "chromium")).filter(Files::isExecutable).findFirst();
    }

    /** Starts a headless browser with a throwaway profile and waits (up to 30 s) until DevTools listens. */
    public static HeadlessChromium start() throws IOException {
        Path binary = binary().orElseThrow(() -> new IOException(
                "no Chromium: neither /usr/bin/chromium nor chromium on the PATH"
                + " (./leti setup installs Debian's chromium)"));
        Path profile = Files.createTempDirectory("headless-chromium-");
        ProcessBuilder builder = new ProcessBuilder(binary.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--allow-file-access-from-files",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "--window-size=1280,2000", "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            deleteRecursively(profile);
            throw new IOException("cannot start " + binary + ": " + e.getMessage(), e);
        }
        Deque<String> log = new ArrayDeque<>();
        CompletableFuture<URI> listening = readStderr(process, log);
        try {
            URI browser = listening.get(STARTUP.toSeconds(), TimeUnit.SECONDS);
            return new HeadlessChromium(process, profile, URI.create("http://" + browser.getAuthority()), log);
        } catch (ExecutionException | TimeoutException e) {
            String state = process.isAlive() ? "still running" : "exit status " + process.exitValue();
            kill(process);
            deleteRecursively(profile);
            throw new IOException(binary + " did not open DevTools within " + STARTUP.toSeconds() + " s (" + state
                    + "); its last stderr lines:\n" + tail(log), e);
        } catch (InterruptedException e) {
            kill(process);
            deleteRecursively(profile);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + binary, e);
        }
    }

    /**
     * Drains the browser's stderr for as long as it runs (it is chatty, and a full pipe would block it), keeping the
     * last lines for error messages; the future completes with the browser's DevTools URL once it is printed.
     */
    private static CompletableFuture<URI> readStderr(Process process, Deque<String> log) {
        CompletableFuture<URI> listening = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    synchronized (log) {
                        log.addLast(line);
                        if (log.size() > LOG_TAIL) {
                            log.removeFirst();
                        }
                    }
                    Matcher matcher = LISTENING.matcher(line);
                    if (matcher.find()) {
                        listening.complete(URI.create(matcher.group(1)));
                    }
                }
            } catch (IOException e) {
                listening.completeExceptionally(e);
            }
            listening.completeExceptionally(new IOException("Chromium closed its stderr"));
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        return listening;
    }

    /**
     * Opens {@code html} in a new tab, waits for its load event (at most 30 s) and half a second more, then reports
     * on it and writes a PNG of the whole page (not just the 1280x2000 window) to {@code screenshot}.
     */
    public synchronized PageReport open(Path html, Path screenshot) throws IOException, InterruptedException {
        if (!Files.isRegularFile(html)) {
            throw new NoSuchFileException(html.toString(), null, "no HTML file to open");
        }
        if (!process.isAlive()) {
            throw new IOException("Chromium has exited (" + process.exitValue() + "); its last stderr lines:\n"
                    + tail(log));
        }
        JsonNode target = Jsonl.MAPPER.readTree(send(HttpRequest.newBuilder(http.resolve("/json/new?about:blank"))
                .PUT(HttpRequest.BodyPublishers.noBody())));
        try (DevTools page = DevTools.connect(client, URI.create(target.get("webSocketDebuggerUrl").asString()))) {
            return inspect(page, html.toAbsolutePath().toUri(), screenshot);
        } finally {
            closeTarget(target.get("id").asString());
        }
    }

    private PageReport inspect(DevTools page, URI url, Path screenshot) throws IOException, InterruptedException {
        page.call("Runtime.enable");
        page.call("Log.enable");
        page.call("Page.enable");
        page.call("Page.setLifecycleEventsEnabled", params().put("enabled", true));
        JsonNode navigated = page.call("Page.navigate", params().put("url", url.toString()));
        if (navigated.hasNonNull("errorText") && !navigated.get("errorText").asString().isEmpty()) {
            throw new IOException("Chromium could not open " + url + ": " + navigated.get("errorText").asString());
        }
        page.awaitLoad(navigated.path("loaderId").asString(""), LOAD);
        Thread.sleep(SETTLE.toMillis());
        JsonNode evaluated = page.call("Runtime.evaluate",
                params().put("expression", INSPECT).put("returnByValue", true).put("awaitPromise", false));
        if (evaluated.hasNonNull("exceptionDetails")) {
            throw new IOException("cannot inspect " + url + ": " + DevTools.describe(evaluated.get("exceptionDetails")));
        }
        JsonNode value = evaluated.path("result").path("value");
        List<String> broken = new ArrayList<>();
        for (JsonNode image : value.path("images").values()) {
            if (!image.path("loaded").asBoolean(false)) {
                broken.add(image.path("src").asString(""));
            }
        }
        capture(page, screenshot);
        return new PageReport(value.path("title").asString(""), value.path("images").size(), broken, page.errors());
    }

    /** A PNG of the full content size, beyond the window where the page is taller. */
    private static void capture(DevTools page, Path screenshot) throws IOException, InterruptedException {
        JsonNode metrics = page.call("Page.getLayoutMetrics");
        JsonNode size = metrics.hasNonNull("cssContentSize") ? metrics.get("cssContentSize") : metrics.path("contentSize");
        ObjectNode clip = params().put("x", 0).put("y", 0).put("scale", 1)
                .put("width", Math.max(1, Math.ceil(size.path("width").asDouble(1280))))
                .put("height", Math.max(1, Math.ceil(size.path("height").asDouble(2000))));
        ObjectNode request = params().put("format", "png").put("captureBeyondViewport", true);
        request.set("clip", clip);
        JsonNode shot = page.call("Page.captureScreenshot", request);
        Path parent = screenshot.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(screenshot, Base64.getDecoder().decode(shot.get("data").asString()));
    }

    private void closeTarget(String id) {
        try {
            send(HttpRequest.newBuilder(http.resolve("/json/close/" + id)).PUT(HttpRequest.BodyPublishers.noBody()));
        } catch (IOException e) {
            // The tab dies with the browser anyway.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(request.timeout(COMMAND).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("Chromium answered " + response.statusCode() + " to " + response.request().uri()
                    + ": " + response.body());
        }
        return response.body();
    }

    private static ObjectNode params() {
        return Jsonl.MAPPER.createObjectNode();
    }

    private static String tail(Deque<String> log) {
        synchronized (log) {
            return String.join("\n", log);
        }
    }

    /** Kills the browser and every process it started, waits for them, and deletes the profile. */
    @Override
    public void close() {
        kill(process);
        deleteRecursively(profile);
    }

    private static void kill(Process process) {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ProcessHandle handle : all) {
            try {
                handle.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                handle.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                handle.destroyForcibly();
            }
        }
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // A temp dir left behind is not worth failing a test for.
        }
    }

    /**
     * One tab's DevTools WebSocket: numbered commands with their replies, and the events a page report needs (errors as
     * they arrive, the loader ids that have fired their load event).
     */
    private static final class DevTools implements WebSocket.Listener, AutoCloseable {

        private final AtomicInteger ids = new AtomicInteger();
        private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
        private final Set<String> loaded = new HashSet<>();
        private final StringBuilder fragments = new StringBuilder();
        private volatile Throwable failure;
        private WebSocket socket;

        static DevTools connect(HttpClient client, URI url) throws IOException, InterruptedException {
            DevTools devTools = new DevTools();
            try {
                devTools.socket = client.newWebSocketBuilder().connectTimeout(COMMAND).buildAsync(url, devTools)
                        .get(COMMAND.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IOException("cannot connect to " + url, e);
            }
            return devTools;
        }

        JsonNode call(String method) throws IOException, InterruptedException {
            return call(method, params());
        }

        /** Sends a command and waits (at most 30 s) for its result; a DevTools error becomes an exception. */
        JsonNode call(String method, ObjectNode parameters) throws IOException, InterruptedException {
            int id = ids.incrementAndGet();
            CompletableFuture<JsonNode> reply = new CompletableFuture<>();
            pending.put(id, reply);
            ObjectNode message = params().put("id", id).put("method", method);
            message.set("params", parameters);
            try {
                synchronized (this) { // one text message in flight at a time, as WebSocket requires
                    socket.sendText(Jsonl.MAPPER.writeValueAsString(message), true)
                            .get(COMMAND.toSeconds(), TimeUnit.SECONDS);
                }
                JsonNode response = reply.get(COMMAND.toSeconds(), TimeUnit.SECONDS);
                if (response.hasNonNull("error")) {
                    throw new IOException(method + " failed: " + response.get("error"));
                }
                return response.path("result");
            } catch (ExecutionException e) {
                throw new IOException(method + " failed: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new IOException(method + ": no answer within " + COMMAND.toSeconds() + " s", e);
            } finally {
                pending.remove(id);
            }
        }

        /** Waits for the load event of the document {@code loaderId} (any document when Chromium gave none). */
        void awaitLoad(String loaderId, Duration timeout) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (loaded) {
                while (!(loaderId.isEmpty() ? !loaded.isEmpty() : loaded.contains(loaderId))) {
                    long left = deadline - System.nanoTime();
                    if (failure != null) {
                        throw new IOException("DevTools connection failed", failure);
                    }
                    if (left <= 0) {
                        throw new IOException("the page fired no load event within " + timeout.toSeconds() + " s");
                    }
                    TimeUnit.NANOSECONDS.timedWait(loaded, left);
                }
            }
        }

        List<String> errors() {
            synchronized (errors) {
                return List.copyOf(errors);
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            fragments.append(data);
            if (last) {
                String text = fragments.toString();
                fragments.setLength(0);
                try {
                    dispatch(Jsonl.MAPPER.readTree(text));
                } catch (RuntimeException e) {
                    onError(webSocket, e);
                }
            }
            webSocket.request(1);
            return null;
        }

        private void dispatch(JsonNode message) {
            if (message.has("id")) {
                CompletableFuture<JsonNode> reply = pending.get(message.get("id").asInt());
                if (reply != null) {
                    reply.complete(message);
                }
                return;
            }
            JsonNode params = message.path("params");
            switch (message.path("method").asString("")) {
                case "Runtime.exceptionThrown" -> errors.add(describe(params.path("exceptionDetails")));
                case "Runtime.consoleAPICalled" -> {
                    String type = params.path("type").asString("");
                    if (type.equals("error") || type.equals("assert")) {
                        errors.add("console." + type + ": " + arguments(params.path("args")));
                    }
                }
                case "Log.entryAdded" -> {
                    JsonNode entry = params.path("entry");
                    if (entry.path("level").asString("").equals("error")) {
                        String url = entry.path("url").asString("");
                        errors.add(entry.path("text").asString("") + (url.isEmpty() ? "" : " (" + url + ")"));
                    }
                }
                case "Page.lifecycleEvent" -> {
                    if (params.path("name").asString("").equals("load")) {
                        loadedLoader(params.path("loaderId").asString(""));
                    }
                }
                default -> {
                }
            }
        }

        private void loadedLoader(String loaderId) {
            synchronized (loaded) {
                loaded.add(loaderId);
                loaded.notifyAll();
            }
        }

        /** An uncaught exception as the console shows it: message, then where it was thrown. */
        static String describe(JsonNode details) {
            JsonNode exception = details.path("exception");
            String message = exception.hasNonNull("description")
                    ? exception.get("description").asString().lines().findFirst().orElse("")
                    : exception.path("value").isValueNode() ? exception.path("value").asString() : "";
            String text = details.path("text").asString("Uncaught");
            String url = details.path("url").asString("");
            String where = url.isEmpty() ? "" : " (" + url + ":" + (details.path("lineNumber").asInt() + 1) + ")";
            return (message.isEmpty() ? text : text + " " + message) + where;
        }

        /** Console arguments as the console prints them: primitives by value, objects by description. */
        private static String arguments(JsonNode args) {
            List<String> parts = new ArrayList<>();
            for (JsonNode arg : args.values()) {
                if (arg.has("value") && arg.get("value").isValueNode()) {
                    parts.add(arg.get("value").isNull() ? "null" : arg.get("value").asString());
                } else if (arg.hasNonNull("description")) {
                    parts.add(arg.get("description").asString());
                } else {
                    parts.add(arg.path("type").asString("undefined"));
                }
            }
            return String.join(" ", parts);
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            failure = error;
            pending.values().forEach(reply -> reply.completeExceptionally(error));
            synchronized (loaded) {
                loaded.notifyAll();
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            onError(webSocket, new IOException("DevTools closed the connection: " + statusCode + " " + reason));
            return null;
        }

        @Override
        public void close() {
            if (socket != null) {
                socket.abort();
            }
        }
    }
}
