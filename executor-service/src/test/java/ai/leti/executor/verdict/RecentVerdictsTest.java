package ai.leti.executor.verdict;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.Verdict;

class RecentVerdictsTest {

    private static final Duration LIMIT = Duration.ofSeconds(5);
    private static final Verdict PASSED = new Verdict(true, ErrorCategory.NONE, "", "", 3);

    @Test
    void everyInputOfARunIsPartOfTheKey() {
        String key = RecentVerdicts.key("def f(): return 1\n", "assert f() == 1", List.of("f"), LIMIT);
        assertThat(RecentVerdicts.key("def f(): return 1\n", "assert f() == 1", List.of("f"), LIMIT)).isEqualTo(key);
        assertThat(List.of(
                RecentVerdicts.key("def f(): return 2\n", "assert f() == 1", List.of("f"), LIMIT),
                RecentVerdicts.key("def f(): return 1\n", "assert f() == 2", List.of("f"), LIMIT),
                RecentVerdicts.key("def f(): return 1\n", "assert f() == 1", List.of(), LIMIT),
                RecentVerdicts.key("def f(): return 1\n", "assert f() == 1", List.of("f"), Duration.ofSeconds(30)),
                // the same characters split otherwise between program and tests are another run
                RecentVerdicts.key("def f(): return 1\nassert", " f() == 1", List.of("f"), LIMIT)))
                .doesNotContain(key).doesNotHaveDuplicates();
    }

    @Test
    void keepsWhatTheProgramAloneDecidesAndForgetsTheEldest() {
        RecentVerdicts recent = new RecentVerdicts(2);
        recent.remember("a", PASSED);
        recent.remember("sandbox", new Verdict(false, ErrorCategory.SANDBOX, "worker died", "", 0));
        recent.remember("memory", new Verdict(false, ErrorCategory.MEMORY, "MemoryError", "", 40));
        assertThat(recent.find("a")).contains(PASSED);
        assertThat(recent.find("sandbox")).isEmpty();
        assertThat(recent.find("memory")).isEmpty();

        Verdict timeout = new Verdict(false, ErrorCategory.TIMEOUT, Verdict.TIMEOUT_FEEDBACK, "", 5000);
        recent.remember("b", timeout);
        recent.find("a"); // used last: "b" is now the eldest
        recent.remember("c", PASSED);
        assertThat(recent.find("b")).isEmpty();
        assertThat(recent.find("a")).contains(PASSED);
        assertThat(recent.size()).isEqualTo(2);
    }

    @Test
    void capacityZeroRunsEveryCandidate() {
        RecentVerdicts off = new RecentVerdicts(0);
        off.remember("a", PASSED);
        assertThat(off.find("a")).isEmpty();
        assertThat(off.size()).isZero();
    }
}
