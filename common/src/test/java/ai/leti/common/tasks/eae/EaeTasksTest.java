package ai.leti.common.tasks.eae;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.leti.common.json.Jsonl;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;

class EaeTasksTest {

    @TempDir
    Path dir;

    @Test
    void splitsEveryTemplateWithoutSharingASentence() {
        EaeTasks.TaskSet tasks = EaeTasks.generate(0);
        int templates = EaeTasks.TEMPLATES.size();
        assertThat(tasks.pretrain()).hasSize(templates * EaeTasks.PRETRAIN_PER_TEMPLATE);
        assertThat(tasks.train()).hasSize(templates * EaeTasks.TRAIN_PER_TEMPLATE);
        assertThat(tasks.heldOut()).hasSize(templates * EaeTasks.HELD_OUT_PER_TEMPLATE);
        Set<String> sentences = new HashSet<>();
        for (List<EaeTask> split : List.of(tasks.pretrain(), tasks.train(), tasks.heldOut())) {
            split.forEach(task -> assertThat(sentences.add(task.sentence())).as(task.sentence()).isTrue());
        }
        assertThat(tasks.heldOut()).extracting(EaeTask::eventType).containsAll(Ontology.EVENTS.keySet());
        assertThat(EaeTasks.generate(3)).isEqualTo(EaeTasks.generate(3));
    }

    @Test
    void promptsShowTheSentenceAndTheEventsRoles() {
        EaeTask task = new EaeTask("t", "Alice attacked Bob in Paris.", "Attack", List.of(new Argument("attacker", "Person", "Alice"),
                new Argument("target", "Person", "Bob"), new Argument("place", "Place", "Paris")));
        assertThat(task.prompt()).isEqualTo("\"\"\"\nSentence: Alice attacked Bob in Paris.\n"
                + "Event: Attack(attacker: Person | Organization, target: Person | Place | Vehicle | Organization, "
                + "instrument: Weapon | Vehicle, place: Place)\n\"\"\"\ndef extract():\n    return");
        assertThat(task.referenceCompletion())
                .isEqualTo(" Attack(attacker=[Person(\"Alice\")], place=[Place(\"Paris\")], target=[Person(\"Bob\")])\n");
    }

    /** Runs programs through Python 3 the way the sandbox does (prompt + completion + tests) and returns what each printed. */
    private List<String> run(List<String> programs) throws Exception {
        Path file = dir.resolve("programs.json");
        Files.writeString(file, Jsonl.MAPPER.writeValueAsString(programs));
        String runner = "import json, sys, io, contextlib, traceback\nfor source in json.load(open(sys.argv[1])):\n"
                + "    out = io.StringIO()\n    try:\n        with contextlib.redirect_stdout(out):\n            exec(source, {})\n"
                + "        print(json.dumps(out.getvalue() + 'PASSED'))\n    except Exception as e:\n"
                + "        print(json.dumps(out.getvalue() + type(e).__name__ + ': ' + str(e)))\n";
        Process python = new ProcessBuilder("/usr/bin/python3", "-c", runner, file.toString()).redirectErrorStream(true).start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<String> results = new ArrayList<>();
        for (String line : out.strip().split("\n")) {
            results.add(Jsonl.MAPPER.readValue(line, String.class));
        }
        return results;
    }

    @Test
    void everyReferenceProgramPassesAndPrintsItsArguments() throws Exception {
        EaeTasks.TaskSet tasks = EaeTasks.generate(0);
        tasks.write(dir);
        List<Task> all = new ArrayList<>();
        for (String split : List.of("pretrain", "train", "heldout")) {
            all.addAll(TaskFiles.read(dir.resolve(split + ".jsonl")).values());
        }
        assertThat(all).hasSize(tasks.pretrain().size() + tasks.train().size() + tasks.heldOut().size());
        List<String> outputs = run(all.stream().map(task -> task.prompt() + task.referenceCompletion() + task.tests()).toList());
        for (int i = 0; i < all.size(); i++) {
            EaeTask task = (EaeTask) all.get(i);
            assertThat(outputs.get(i)).as(task.sentence()).endsWith("PASSED");
            assertThat(EaeScore.extracted(outputs.get(i))).containsExactlyElementsOf(task.gold());
        }
    }

    @Test
    void theOntologySaysWhatIsWrongWithAnEvent() throws Exception {
        EaeTask task = new EaeTask("t", "Alice attacked Bob in Paris.", "Attack", List.of(new Argument("attacker", "Person", "Alice"),
                new Argument("target", "Person", "Bob"), new Argument("place", "Place", "Paris")));
        List<String> outputs = run(List.of(
                task.prompt() + " Attack(attacker=[Person(\"Alice\")], target=[Person(\"Bob\")], place=[Person(\"Paris\")])\n" + task.tests(),
                task.prompt() + " Attack(attacker=[Person(\"Alice\")], victim=[Person(\"Bob\")])\n" + task.tests(),
                task.prompt() + " Meet(entity=[Person(\"Alice\"), Person(\"Bob\")])\n" + task.tests(),
                task.prompt() + " Attack(attacker=[Person(\"Alice\")], place=[Place(\"Paris\")])\n" + task.tests()));
        assertThat(outputs.get(0)).isEqualTo("TypeError: role 'place' of Attack must be a Place, got Person");
        assertThat(outputs.get(1)).isEqualTo("TypeError: Attack has no role 'victim'; its roles are attacker, target, instrument, place");
        assertThat(outputs.get(2)).isEqualTo("TypeError: the sentence describes a Attack event, got Meet");
        assertThat(outputs.get(3)).startsWith("LETI_EAE ").endsWith("AssertionError: ");
        assertThat(EaeScore.extracted(outputs.get(3))).containsExactly(new Argument("attacker", "Person", "Alice"),
                new Argument("place", "Place", "Paris"));
    }

    @Test
    void scoresIdentificationAndClassification() {
        List<Argument> gold = List.of(new Argument("attacker", "Person", "Alice"), new Argument("target", "Person", "Bob"));
        EaeScore.Counts swapped = EaeScore.count(gold, List.of(new Argument("attacker", "Person", "Bob"),
                new Argument("target", "Person", "Alice")));
        assertThat(swapped).isEqualTo(new EaeScore.Counts(2, 2, 2, 0));
        EaeScore.Counts half = EaeScore.count(gold, List.of(new Argument("attacker", "Person", "Alice")));
        EaeScore.Counts none = EaeScore.count(gold, EaeScore.extracted("Traceback ... TypeError"));
        Map<String, Double> f1 = EaeScore.f1(List.of(swapped, half, none));
        // identified 3 of 3 predicted and 6 gold: P 1, R 0.5; classified 1: P 1/3, R 1/6
        assertThat(f1.get("arg_identification_f1")).isCloseTo(2 * 1 * 0.5 / 1.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(f1.get("arg_classification_f1")).isCloseTo(2 * (1 / 3.0) * (1 / 6.0) / (1 / 3.0 + 1 / 6.0),
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(EaeScore.extracted("noise\nLETI_EAE not json\n")).isEmpty();
    }

    private static EaeTask authors(String sentence, String trigger, List<Argument> gold) {
        return new EaeTask("a", sentence, "Attack", gold, trigger, EaeTask.AUTHORS);
    }

    private static final List<Argument> ATTACK = List.of(new Argument("attacker", "Person", "Alice"),
            new Argument("target", "Person", "Bob"), new Argument("place", "Place", "the airport"));

    @Test
    void theAuthorsPromptHoldsTheAnnotatedOntologyAndMarksTheTrigger() {
        EaeTask task = authors("Alice attacked Bob in the airport.", "attacked", ATTACK);
        assertThat(task.prompt()).startsWith("class Entity:\n    def __init__(self, name: str):\n")
                .contains("class Person(Entity): pass\n", "class Vehicle(Entity): pass\n",
                        "class Attack(Event):\n    def __init__(self, attacker: list[Person | Organization] = [], target:"
                                + " list[Person | Place | Vehicle | Organization] = [], instrument: list[Weapon | Vehicle] = [],"
                                + " place: list[Place] = []):\n")
                .doesNotContain("raise", "isinstance") // annotated, never checked
                .endsWith("\n\"\"\"\nTranslate the following sentence into an instance of Attack. The trigger word of the event"
                        + " is marked with **trigger word**.\n\"Alice **attacked** Bob in the airport.\"\n\"\"\"\nattack_event = Attack(");
        assertThat(task.referenceCompletion())
                .isEqualTo("attacker=[Person(\"Alice\")], place=[Place(\"the airport\")], target=[Person(\"Bob\")])\n");
        assertThat(task.entryPoints()).isEmpty();
        assertThat(new EaeTask("t", "Alice was killed by Bob with a knife.", "Die", List.of(), "killed", EaeTask.AUTHORS)
                .markedSentence()).isEqualTo("Alice was **killed** by Bob with a knife.");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> authors("Alice attacked Bob.", "shot", ATTACK))
                .hasMessageContaining("trigger shot");
    }

    @Test
    void everyAuthorsReferenceProgramPassesAndTheTaskFileKeepsItsStyle() throws Exception {
        EaeTasks.TaskSet tasks = EaeTasks.generate(0, EaeTask.AUTHORS);
        assertThat(tasks.heldOut()).extracting(EaeTask::sentence)
                .containsExactlyElementsOf(EaeTasks.generate(0).heldOut().stream().map(EaeTask::sentence).toList());
        tasks.write(dir);
        List<Task> all = new ArrayList<>(TaskFiles.read(dir.resolve("train.jsonl")).values());
        all.addAll(TaskFiles.read(dir.resolve("heldout.jsonl")).values());
        assertThat(all).allSatisfy(task -> assertThat(((EaeTask) task).authors()).isTrue());
        assertThat(all).containsExactlyInAnyOrderElementsOf(concat(tasks.train(), tasks.heldOut()));
        List<String> outputs = run(all.stream().map(task -> task.prompt() + task.referenceCompletion() + task.tests()).toList());
        for (int i = 0; i < all.size(); i++) {
            EaeTask task = (EaeTask) all.get(i);
            assertThat(outputs.get(i)).as(task.markedSentence()).endsWith("PASSED");
            assertThat(EaeScore.extracted(outputs.get(i))).containsExactlyElementsOf(task.gold());
        }
    }

    private static List<EaeTask> concat(List<EaeTask> a, List<EaeTask> b) {
        List<EaeTask> both = new ArrayList<>(a);
        both.addAll(b);
        return both;
    }

    @Test
    void theAuthorsVerifierComparesWithTheGoldArgumentsByHeadWord() throws Exception {
        EaeTask task = authors("Alice attacked Bob in the airport.", "attacked", ATTACK);
        String prompt = task.prompt();
        List<String> outputs = run(List.of(
                // head words: "airport" is "the airport"; types are only annotated, so a Person place still counts
                prompt + "attacker=[Person(\"Alice\")], target=[Person(\"Bob\")], place=[Person(\"airport\")])\n" + task.tests(),
                prompt + "attacker=[Person(\"Bob\")], target=[Person(\"Alice\")], place=[Place(\"Paris\")])\n" + task.tests(),
                prompt + "attacker=[Person(\"Alice\")])\n" + task.tests(),
                prompt + "attacker=Person(\"Alice\"))\n" + task.tests()));
        assertThat(outputs.get(0)).endsWith("PASSED");
        assertThat(outputs.get(1)).endsWith("AssertionError: Person(\"Bob\") is assigned to wrong role attacker\n"
                + "Person(\"Alice\") is assigned to wrong role target\n"
                + "Place(\"Paris\") does not match any ground truth argument\n"
                + "Only 0 out of 3 arguments are correctly identified");
        assertThat(outputs.get(2)).endsWith("AssertionError: Only 1 out of 3 arguments are correctly identified");
        assertThat(outputs.get(3)).as("the interpreter's own error").isEqualTo("TypeError: 'Person' object is not iterable");
        assertThat(EaeScore.extracted(outputs.get(1))).hasSize(3);
    }

    @Test
    void headWordsMatchAsTheAuthorsScored() {
        assertThat(EaeScore.head("the airport")).isEqualTo("airport");
        assertThat(EaeScore.head("Acme Corp.")).isEqualTo("corp");
        assertThat(EaeScore.head("a")).isEmpty();
        List<Argument> gold = List.of(new Argument("place", "Place", "the airport"), new Argument("attacker", "Person", "Alice"));
        List<Argument> predicted = List.of(new Argument("place", "Place", "airport"), new Argument("target", "Person", "Alice"));
        assertThat(EaeScore.count(gold, predicted, true)).isEqualTo(new EaeScore.Counts(2, 2, 2, 1));
        assertThat(EaeScore.count(gold, predicted, false)).isEqualTo(new EaeScore.Counts(2, 2, 1, 0));
    }
}
