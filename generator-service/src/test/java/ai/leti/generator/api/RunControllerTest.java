package ai.leti.generator.api;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.util.Optional;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import ai.leti.generator.run.RunRegistry;

@WebMvcTest(RunController.class)
class RunControllerTest {

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
        mvc.perform(post("/runs").contentType(MediaType.APPLICATION_JSON).content(invalid))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail", Matchers.containsString("samplesPerTask")))
                .andExpect(jsonPath("$.detail", Matchers.containsString("topP")))
                .andExpect(jsonPath("$.detail", Matchers.containsString("split: all, train, test or validation")));
    }

    @Test
    void rejectsAnUnknownModeAndUnreadableBodiesWithoutInternals() throws Exception {
        mvc.perform(post("/runs").contentType(MediaType.APPLICATION_JSON).content(VALID.replace("TEXTUAL", "LOUD")))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail", Matchers.not(Matchers.containsString("at "))));
        mvc.perform(post("/runs").contentType(MediaType.APPLICATION_JSON).content("{not json"))
                .andExpect(status().isBadRequest());
    }

    @Test
    void namesTheFieldWhoseFileIsMissing() throws Exception {
        given(runs.create(any())).willThrow(new RunRegistry.InvalidRunException("model", "no checkpoint directory at /models/base"));
        mvc.perform(post("/runs").contentType(MediaType.APPLICATION_JSON).content(VALID))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("model"))
                .andExpect(jsonPath("$.detail", Matchers.startsWith("model: ")));
    }

    @Test
    void answersConflictWhileAnotherRunHoldsTheModelAndNotFoundForUnknownRuns() throws Exception {
        given(runs.start("second")).willThrow(new RunRegistry.RunConflictException("first"));
        mvc.perform(post("/runs/second/start")).andExpect(status().isConflict())
                .andExpect(jsonPath("$.detail", Matchers.containsString("run first holds the model")));
        given(runs.find("nope")).willReturn(Optional.empty());
        mvc.perform(get("/runs/nope")).andExpect(status().isNotFound());
    }
}
