package ai.leti.cli.model.pretrain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

class BuggyProgramsTest {

    private static final String PROGRAM = "def add_number(x):\n    return x + 10\n";

    @Test
    void makesOneSmallEditOfEachKind() {
        Random random = new Random(1);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String mutated = BuggyPrograms.mutate(PROGRAM, random);
            assertThat(mutated).isNotEqualTo(PROGRAM).startsWith("def add_number(");
            assertThat(Math.abs(mutated.length() - PROGRAM.length())).isLessThanOrEqualTo(7);
            seen.add(mutated);
        }
        assertThat(seen).contains(
                "def add_number(x):\n    return x + 11\n",      // a wrong number
                "def add_number(x):\n    return x - 10\n",      // a swapped operator
                "def add_number(x):\n    return xs + 10\n",     // a misspelt name
                "def add_number(x):\n    x + 10\n");            // a lost return
    }

    @Test
    void givesEventCodeAWrongEntityClassOrRole() {
        String event = " Attack(attacker=[Person(\"Alice\")], place=[Place(\"Paris\")])\n";
        Random random = new Random(2);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            seen.add(BuggyPrograms.mutate(event, random));
        }
        assertThat(seen).contains(" Attack(attacker=[Place(\"Alice\")], place=[Place(\"Paris\")])\n",
                " Attack(attackers=[Person(\"Alice\")], place=[Place(\"Paris\")])\n");
    }

    @Test
    void leavesAProgramWithNothingToEditAlone() {
        assertThat(BuggyPrograms.mutate("pass\n", new Random(0))).isEqualTo("pass\n");
    }
}
