package ai.leti.common.tasks.eae;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The event ontology of the EAE task: entity and event classes written as Python ({@code eae/ontology.py}), which
 * run with every program and check its arguments, and each event's roles with the entity types they take, which
 * the prompt shows. The authors' variant shows the ontology in the prompt instead, annotated and unchecked
 * ({@link #annotated}), and judges with {@code eae/verifier.py}.
 */
public final class Ontology {

    /** Each event type's roles and the entity types each role takes, as in {@code ontology.py}. */
    public static final Map<String, Map<String, List<String>>> EVENTS = events();

    private static final String CODE = load("/eae/ontology.py");
    private static final String VERIFIER = load("/eae/verifier.py");

    /** The entity classes, in the order the annotated ontology defines them. */
    static final List<String> ENTITIES = List.of("Person", "Place", "Organization", "Weapon", "Vehicle");

    private Ontology() {
    }

    private static Map<String, Map<String, List<String>>> events() {
        Map<String, Map<String, List<String>>> events = new LinkedHashMap<>();
        events.put("Attack", roles("attacker", List.of("Person", "Organization"), "target",
                List.of("Person", "Place", "Vehicle", "Organization"), "instrument", List.of("Weapon", "Vehicle"),
                "place", List.of("Place")));
        events.put("Transport", roles("agent", List.of("Person", "Organization"), "artifact",
                List.of("Person", "Weapon", "Vehicle"), "vehicle", List.of("Vehicle"), "origin", List.of("Place"),
                "destination", List.of("Place")));
        events.put("Meet", roles("entity", List.of("Person", "Organization"), "place", List.of("Place")));
        events.put("Die", roles("victim", List.of("Person"), "agent", List.of("Person", "Organization"), "instrument",
                List.of("Weapon", "Vehicle"), "place", List.of("Place")));
        events.put("Hire", roles("employee", List.of("Person"), "employer", List.of("Organization"), "place",
                List.of("Place")));
        return events;
    }

    private static Map<String, List<String>> roles(Object... pairs) {
        Map<String, List<String>> roles = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            @SuppressWarnings("unchecked")
            List<String> types = (List<String>) pairs[i + 1];
            roles.put((String) pairs[i], types);
        }
        return roles;
    }

    /** The ontology's Python source. */
    public static String code() {
        return CODE;
    }

    /** The authors' verifier ({@code eae/verifier.py}): compares extracted arguments with the gold ones by head word. */
    public static String verifierCode() {
        return VERIFIER;
    }

    /**
     * The ontology as the authors' prompts show it: classes whose constructors only annotate their roles' types
     * (nothing checks them), the entity classes and the one event class a task needs. An event keeps its arguments
     * as plain {@code (role, entity type, text)} triples, which the verifier reads.
     */
    public static String annotated(String eventType) {
        Map<String, List<String>> roles = EVENTS.get(eventType);
        if (roles == null) {
            throw new IllegalArgumentException("unknown event type " + eventType + "; the ontology has " + EVENTS.keySet());
        }
        StringBuilder code = new StringBuilder("class Entity:\n    def __init__(self, name: str):\n        self.name = name\n\n");
        for (String entity : ENTITIES) {
            code.append("class ").append(entity).append("(Entity): pass\n");
        }
        code.append("\nclass Event:\n    def __init__(self, **roles):\n        self.arguments = [(role, type(entity).__name__,"
                + " entity.name) for role, entities in roles.items() for entity in entities]\n\n");
        code.append("class ").append(eventType).append("(Event):\n    def __init__(self");
        roles.forEach((role, types) -> code.append(", ").append(role).append(": list[").append(String.join(" | ", types))
                .append("] = []"));
        code.append("):\n        super().__init__(");
        code.append(String.join(", ", roles.keySet().stream().map(role -> role + "=" + role).toList()));
        return code.append(")\n").toString();
    }

    /** An event's signature as the prompt shows it: {@code Attack(attacker: Person | Organization, ...)}. */
    public static String signature(String eventType) {
        Map<String, List<String>> roles = EVENTS.get(eventType);
        if (roles == null) {
            throw new IllegalArgumentException("unknown event type " + eventType + "; the ontology has " + EVENTS.keySet());
        }
        StringBuilder signature = new StringBuilder(eventType).append('(');
        roles.forEach((role, types) -> signature.append(signature.charAt(signature.length() - 1) == '(' ? "" : ", ")
                .append(role).append(": ").append(String.join(" | ", types)));
        return signature.append(')').toString();
    }

    private static String load(String resource) {
        try (InputStream in = Ontology.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
