package ai.leti.generator.api;

import java.io.IOException;
import java.util.List;
import java.util.Set;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UrlPathHelper;

import ai.leti.common.json.Jsonl;
import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.config.Roles;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * In front of the REST API: a request body larger than {@code leti.generator.max-request-bytes} gets 413, and every
 * request needs {@code Authorization: Bearer <token>} (401 otherwise), reads of runs included, except reads
 * ({@code GET}, {@code HEAD}) of the actuator and of the OpenAPI document: probes and Prometheus need no secret.
 * Why reads of runs need it too: a run's status names files on the generator and its failure reasons, which is
 * more than an unauthenticated neighbour on the network should learn; every client of runs (the demo, the CLI, a
 * dashboard script) holds the token anyway. Closed by default, open by a short list, so no spelling of a path slips
 * past: any path outside the list, and any path with {@code ..} in it, needs the token.
 */
@Roles.Coordinator
@Component
class ApiGuard extends OncePerRequestFilter {

    private static final Set<String> READS = Set.of("GET", "HEAD");
    private static final List<String> OPEN_TO_READ = List.of("/actuator", "/v3/api-docs", "/swagger-ui");
    private static final UrlPathHelper PATHS = new UrlPathHelper();

    private final ApiToken token;
    private final long maxBytes;

    ApiGuard(ApiToken token, GeneratorProperties properties) {
        this.token = token;
        this.maxBytes = properties.maxRequestBytes();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getContentLengthLong() > maxBytes) {
            refuse(response, HttpStatus.CONTENT_TOO_LARGE, "request body over " + maxBytes + " bytes");
            return;
        }
        if (!openToRead(request) && !token.accepts(request.getHeader(HttpHeaders.AUTHORIZATION))) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"leti\"");
            refuse(response, HttpStatus.UNAUTHORIZED, "missing or invalid bearer token");
            return;
        }
        chain.doFilter(request.getContentLengthLong() < 0 ? new Bounded(request, maxBytes) : request, response);
    }

    private static boolean openToRead(HttpServletRequest request) {
        if (!READS.contains(request.getMethod())) {
            return false;
        }
        String path = PATHS.getPathWithinApplication(request); // decoded, without ;parameters
        return !path.contains("..") && OPEN_TO_READ.stream()
                .anyMatch(open -> path.equals(open) || path.startsWith(open + "/") || path.startsWith(open + "."));
    }

    /** A body without a length (chunked) is cut off after the limit: reading past it fails, and the request gets 400. */
    private static final class Bounded extends jakarta.servlet.http.HttpServletRequestWrapper {
        private final long limit;

        Bounded(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public jakarta.servlet.ServletInputStream getInputStream() throws IOException {
            jakarta.servlet.ServletInputStream in = super.getInputStream();
            return new jakarta.servlet.ServletInputStream() {
                private long read;

                @Override
                public int read() throws IOException {
                    int b = in.read();
                    if (b >= 0 && ++read > limit) {
                        throw new IOException("request body over " + limit + " bytes");
                    }
                    return b;
                }

                @Override
                public boolean isFinished() {
                    return in.isFinished();
                }

                @Override
                public boolean isReady() {
                    return in.isReady();
                }

                @Override
                public void setReadListener(jakarta.servlet.ReadListener listener) {
                    in.setReadListener(listener);
                }
            };
        }
    }

    private static void refuse(HttpServletResponse response, HttpStatus status, String detail) throws IOException {
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.getWriter().write(Jsonl.MAPPER.writeValueAsString(ProblemDetail.forStatusAndDetail(status, detail)));
    }
}
