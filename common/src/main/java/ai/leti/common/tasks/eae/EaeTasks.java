package ai.leti.common.tasks.eae;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ai.leti.common.tasks.TaskFiles;

/**
 * The EAE data set the project generates itself: sentence templates for the five event types of the
 * {@link Ontology}, filled with entities from fixed pools. Every split uses every template; a sentence (template x
 * fillers) appears in one split only, so held-out sentences are new combinations of seen parts, as the arithmetic
 * demo's held-out tasks are.
 */
public final class EaeTasks {

    public static final int PRETRAIN_PER_TEMPLATE = 24;
    public static final int TRAIN_PER_TEMPLATE = 8;
    public static final int HELD_OUT_PER_TEMPLATE = 8;

    static final Map<String, List<String>> ENTITIES = Map.of(
            "Person", List.of("Alice", "Bob", "Carol", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemal",
                    "Lena", "Mateo", "Nadia", "Omar", "Priya"),
            "Place", List.of("Paris", "Lagos", "Kyiv", "Lima", "the airport", "the market", "the border", "the harbor",
                    "Cairo", "Oslo", "the capital", "the village"),
            "Organization", List.of("the army", "the rebels", "Acme Corp", "the police", "the ministry", "Globex",
                    "the militia", "the bank"),
            "Weapon", List.of("a knife", "a rifle", "a bomb", "a missile", "a grenade", "a pistol"),
            "Vehicle", List.of("a truck", "a boat", "a helicopter", "a tank", "a van", "a plane"));

    /** {@code {role:Type}} placeholders; a template names its event type first and its trigger word last. */
    static final List<String[]> TEMPLATES = List.of(
            new String[] {"Attack", "{attacker:Person} attacked {target:Person} in {place:Place}.", "attacked"},
            new String[] {"Attack", "{attacker:Organization} shelled {target:Place} with {instrument:Weapon}.", "shelled"},
            new String[] {"Attack", "{target:Person} was stabbed by {attacker:Person} with {instrument:Weapon} in {place:Place}.", "stabbed"},
            new String[] {"Attack", "{attacker:Organization} bombed {target:Vehicle} near {place:Place}.", "bombed"},
            new String[] {"Transport", "{agent:Person} drove {artifact:Vehicle} from {origin:Place} to {destination:Place}.", "drove"},
            new String[] {"Transport", "{agent:Organization} shipped {artifact:Weapon} to {destination:Place} by {vehicle:Vehicle}.", "shipped"},
            new String[] {"Transport", "{artifact:Person} was flown from {origin:Place} to {destination:Place} in {vehicle:Vehicle}.", "flown"},
            new String[] {"Meet", "{entity:Person} met {entity:Person} in {place:Place}.", "met"},
            new String[] {"Meet", "{entity:Organization} and {entity:Organization} held talks in {place:Place}.", "talks"},
            new String[] {"Meet", "{entity:Person} visited {entity:Organization} at {place:Place}.", "visited"},
            new String[] {"Die", "{victim:Person} died in {place:Place}.", "died"},
            new String[] {"Die", "{victim:Person} was killed by {agent:Person} with {instrument:Weapon}.", "killed"},
            new String[] {"Die", "{agent:Organization} killed {victim:Person} in {place:Place}.", "killed"},
            new String[] {"Hire", "{employer:Organization} hired {employee:Person} in {place:Place}.", "hired"},
            new String[] {"Hire", "{employee:Person} joined {employer:Organization}.", "joined"},
            new String[] {"Hire", "{employee:Person} was recruited by {employer:Organization} in {place:Place}.", "recruited"});

    private static final Pattern SLOT = Pattern.compile("\\{([a-z]+):([A-Za-z]+)}");

    /** The three splits. */
    public record TaskSet(List<EaeTask> pretrain, List<EaeTask> train, List<EaeTask> heldOut) {

        /** Writes {@code pretrain.jsonl}, {@code train.jsonl} and {@code heldout.jsonl}. */
        public void write(Path directory) {
            TaskFiles.writeSplits(directory, pretrain, train, heldOut);
        }
    }

    private EaeTasks() {
    }

    /** The project's typed style. */
    public static TaskSet generate(long seed) {
        return generate(seed, EaeTask.TYPED);
    }

    /** The same sentences in either style ({@link EaeTask#TYPED}, {@link EaeTask#AUTHORS}). */
    public static TaskSet generate(long seed, String style) {
        Random random = new Random(seed);
        List<EaeTask> pretrain = new ArrayList<>();
        List<EaeTask> train = new ArrayList<>();
        List<EaeTask> heldOut = new ArrayList<>();
        Set<String> sentences = new HashSet<>();
        for (int t = 0; t < TEMPLATES.size(); t++) {
            String[] template = TEMPLATES.get(t);
            int total = PRETRAIN_PER_TEMPLATE + TRAIN_PER_TEMPLATE + HELD_OUT_PER_TEMPLATE;
            for (int made = 0; made < total; ) {
                EaeTask task = fill(template, random, "eae/" + t + "/" + made, style);
                if (!sentences.add(task.sentence())) {
                    continue; // each sentence in one split only
                }
                (made < PRETRAIN_PER_TEMPLATE ? pretrain : made < PRETRAIN_PER_TEMPLATE + TRAIN_PER_TEMPLATE ? train : heldOut)
                        .add(task);
                made++;
            }
        }
        return new TaskSet(pretrain, train, heldOut);
    }

    private static EaeTask fill(String[] template, Random random, String taskId, String style) {
        List<Argument> arguments = new ArrayList<>();
        Set<String> used = new HashSet<>();
        StringBuilder sentence = new StringBuilder();
        Matcher slot = SLOT.matcher(template[1]);
        while (slot.find()) {
            List<String> pool = ENTITIES.get(slot.group(2));
            String name;
            do {
                name = pool.get(random.nextInt(pool.size()));
            } while (!used.add(name)); // two slots never share an entity
            arguments.add(new Argument(slot.group(1), slot.group(2), name));
            slot.appendReplacement(sentence, Matcher.quoteReplacement(name));
        }
        slot.appendTail(sentence);
        return new EaeTask(taskId, sentence.toString(), template[0], arguments, template[2], style);
    }
}
