package ai.leti.generator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.util.Optional;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import ai.leti.common.json.Jsonl;
import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.run.RunRegistry;

@WebMvcTest(RunController.class)
@Import({ApiGuard.class, ApiToken.class})
@EnableConfigurationProperties(GeneratorProperties.class)
@TestPropertySource(properties = {"leti.generator.state=target/run-controller-test", "leti.generator.api-token=" + RunControllerTest.TOKEN})
class RunControllerTest {

    static final String TOKEN = "test-token-0123456789abcdef";
    static final String BEARER = "Bearer " + TOKEN;

    static final String VALID = """
            {"name": "demo", "model": "/models/base", "taskFile": "/tasks/train.jsonl", "split": "all",
             "samplesPerTask": 8, "temperature": 1.0, "topP": 1.0, "maxNewTokens": 128, "iterations": 4, "epochs": 4,
             "mode": "TEXTUAL", "batchSize": 16, "learningRate": 0.0003, "regularizationRatio": 1, "feedbackTokens": 60,
             "evaluationFile": "/tasks/heldout.jsonl", "evaluationSplit": "all", "evaluationSamples": 2,
             "evaluationTemperature": 0.2, "evaluationEvery": 1, "timeoutSeconds": 5, "seed": 0}
            """;

    @Autowired
    MockMvc mvc;

    @MockitoBean
    RunRegistry runs;

    @Test
    void rejectsOutOfRangeParametersNamingEachField() throws Exception {
        String invalid = VALID.replace("\"samplesPerTask\": 8", "\"samplesPerTask\": 0")
                .replace("\"topP\": 1.0", "\"topP\": 1.5").replace("\"split\": \"all\"", "\"split\": \"dev\"");
        mvc.perform(post("/runs").header("Authorization", BEARER).contentType(MediaType.APPLICATION_JSON).content(invalid))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail", Matchers.containsString("samplesPerTask")))
                .andExpect(jsonPath("$.detail", Matchers.containsString("topP")))
                .andExpect(jsonPath("$.detail", Matchers.containsString("split: all, train, test or validation")));
    }

    @Test
    void rejectsBadProtocolOptionsNamingEachField() throws Exception {
        String[][] cases = {
            {"\"evaluationTopP\": 1.5", "evaluationTopP"},
            {"\"evaluationTopP\": 0", "evaluationTopP"},
            {"\"evaluationStopSequences\": [\"\"]", "evaluationStopSequences"},
            {"\"evaluationStopSequences\": [" + "\"x\",".repeat(16) + "\"x\"]", "evaluationStopSequences"},
            {"\"batchOrder\": \"random\"", "batchOrder"},
            {"\"trainingText\": \"cooked\"", "trainingText"},
            {"\"regularizationBlockTokens\": 8", "regularizationBlockTokens"}};
        for (String[] bad : cases) {
            mvc.perform(post("/runs").header("Authorization", BEARER).contentType(MediaType.APPLICATION_JSON)
                    .content(VALID.replace("\"seed\": 0", bad[0] + ", \"seed\": 0")))
                    .andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.detail", Matchers.containsString(bad[1])));
        }
    }

    @Test
    void rejectsAnUnknownModeAndUnreadableBodiesWithoutInternals() throws Exception {
        mvc.perform(post("/runs").header("Authorization", BEARER).contentType(MediaType.APPLICATION_JSON).content(VALID.replace("TEXTUAL", "LOUD")))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail", Matchers.not(Matchers.containsString("at "))));
        mvc.perform(post("/runs").header("Authorization", BEARER).contentType(MediaType.APPLICATION_JSON).content("{not json"))
                .andExpect(status().isBadRequest());
    }

    @Test
    void namesTheFieldWhoseFileIsMissing() throws Exception {
        given(runs.create(any())).willThrow(new RunRegistry.InvalidRunException("model", "no checkpoint directory at /models/base"));
        mvc.perform(post("/runs").header("Authorization", BEARER).contentType(MediaType.APPLICATION_JSON).content(VALID))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("model"))
                .andExpect(jsonPath("$.detail", Matchers.startsWith("model: ")));
    }

    @Test
    void answersConflictWhileAnotherRunHoldsTheModelAndNotFoundForUnknownRuns() throws Exception {
        given(runs.start("second")).willThrow(new RunRegistry.RunConflictException("first"));
        mvc.perform(post("/runs/second/start").header("Authorization", BEARER)).andExpect(status().isConflict())
                .andExpect(jsonPath("$.detail", Matchers.containsString("run first holds the model")));
        given(runs.find("nope")).willReturn(Optional.empty());
        mvc.perform(get("/runs/nope").header("Authorization", BEARER)).andExpect(status().isNotFound());
    }

    @Test
    void everyRequestButReadsOfTheActuatorAndTheApiDocumentNeedsTheBearerToken() throws Exception {
        for (String authorization : new String[] {null, "", "Bearer", "Bearer wrong-token-0123456789abcdef", "Basic "
                + TOKEN, "bearer " + TOKEN + "x"}) {
            var request = post("/runs/any/stop");
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            mvc.perform(request).andExpect(status().isUnauthorized())
                    .andExpect(header().string("WWW-Authenticate", Matchers.startsWith("Bearer")))
                    .andExpect(jsonPath("$.detail").value("missing or invalid bearer token"));
        }
        for (String path : new String[] {"//runs", "/runs/", "/runs;x=1", "/RUNS", "/actuator/shutdown"}) {
            mvc.perform(post(path).contentType(MediaType.APPLICATION_JSON).content(VALID)).andExpect(status().isUnauthorized());
        }
        for (String path : new String[] {"/runs", "/runs/x", "//runs", "/runs;x=1", "/actuator/../runs",
                "/actuator/%2e%2e/runs", "/actuator;x=1/../runs", "/v3/api-docs/../../runs", "/anything"}) {
            mvc.perform(get(java.net.URI.create(path))) // as sent, not encoded again
                    .andExpect(result -> assertThat(result.getResponse().getStatus()).as(path).isEqualTo(401));
        }
        for (String path : new String[] {"/actuator/health", "/actuator/prometheus", "/v3/api-docs"}) {
            mvc.perform(get(path)).andExpect(result -> assertThat(result.getResponse().getStatus()).as(path).isNotEqualTo(401));
        }
        given(runs.find("nope")).willReturn(Optional.empty());
        mvc.perform(get("/runs/nope").header("Authorization", BEARER)).andExpect(status().isNotFound());
        given(runs.find("x")).willReturn(Optional.empty());
        mvc.perform(post("/runs/x/stop").header("Authorization", "bearer " + TOKEN)).andExpect(status().isNotFound());
    }

    @Test
    void refusesBodiesOverTheLimit() throws Exception {
        String huge = VALID.replace("\"name\": \"demo\"", "\"name\": \"" + "x".repeat(70_000) + "\"");
        mvc.perform(post("/runs").header("Authorization", BEARER).contentType(MediaType.APPLICATION_JSON).content(huge))
                .andExpect(status().isPayloadTooLarge());
    }

    /** A battery of bad requests: every one gets a 4xx problem, none a 5xx, none a stack trace. */
    @Test
    void answersEveryBadRequestWithA4xxAndNoInternals() throws Exception {
        given(runs.find(any())).willReturn(Optional.empty());
        given(runs.start(any())).willThrow(new RunRegistry.UnknownRunException("x"));
        java.util.List<org.springframework.test.web.servlet.RequestBuilder> bad = new java.util.ArrayList<>();
        for (String field : new String[] {"samplesPerTask", "iterations", "epochs", "batchSize", "maxNewTokens",
            "evaluationSamples", "regularizationRatio", "feedbackTokens", "evaluationEvery"}) {
            for (String value : new String[] {"-1", "999999999", "1e99", "\"x\"", "null", "[]", "{}", "1.5"}) {
                bad.add(post("/runs").header("Authorization", BEARER).contentType(MediaType.APPLICATION_JSON)
                        .content(VALID.replaceFirst("\"" + field + "\": [0-9]+", "\"" + field + "\": " + value)));
            }
        }
        for (String field : new String[] {"temperature", "topP", "learningRate", "evaluationTemperature", "timeoutSeconds"}) {
            for (String value : new String[] {"-1", "NaN", "1e309", "\"hot\"", "null", "700.5"}) {
                bad.add(post("/runs").header("Authorization", BEARER).contentType(MediaType.APPLICATION_JSON)
                        .content(VALID.replaceFirst("\"" + field + "\": [0-9.]+", "\"" + field + "\": " + value)));
            }
        }
        for (String name : new String[] {"", "../../etc", "a/b", "x".repeat(65), "\u0000", "<script>"}) {
            bad.add(post("/runs").header("Authorization", BEARER).contentType(MediaType.APPLICATION_JSON)
                    .content(VALID.replace("\"name\": \"demo\"", "\"name\": " + Jsonl.MAPPER.writeValueAsString(name))));
        }
        for (String body : new String[] {"", "{", "[]", "null", "42", "\"run\"", "{\"name\": {\"$gt\": 1}}",
            VALID.replace("TEXTUAL", "textual!"), VALID.substring(0, VALID.length() / 2), "\u00ff\u00fe"}) {
            bad.add(post("/runs").header("Authorization", BEARER).contentType(MediaType.APPLICATION_JSON).content(body));
        }
        bad.add(post("/runs").header("Authorization", BEARER).contentType(MediaType.TEXT_PLAIN).content(VALID));
        bad.add(post("/runs").header("Authorization", BEARER).contentType(MediaType.APPLICATION_XML).content("<run/>"));
        bad.add(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put("/runs").header("Authorization", BEARER));
        bad.add(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete("/runs/x").header("Authorization", BEARER));
        bad.add(get("/runs/" + "x".repeat(5000)));
        bad.add(get("/runs/..%2F..%2Fetc%2Fpasswd"));
        bad.add(post("/runs/unknown/start").header("Authorization", BEARER));
        bad.add(post("/runs/unknown/stop").header("Authorization", BEARER));
        int serverErrors = 0;
        for (var request : bad) {
            var exchange = mvc.perform(request).andReturn();
            var result = exchange.getResponse();
            if (result.getStatus() >= 500) {
                serverErrors++;
            }
            assertThat(result.getStatus()).as(exchange.getRequest().getContentAsString() + " -> " + result.getContentAsString())
                    .isBetween(400, 499);
            assertThat(result.getContentAsString()).doesNotContain("Exception:", "\tat ", "ai.leti.", "org.springframework");
        }
        System.out.printf("bad requests tried: %d, 5xx answers: %d%n", bad.size(), serverErrors);
        assertThat(bad).hasSizeGreaterThan(100);
    }
}
