package ai.leti.common.tasks.eae;

/** One event argument: the role it fills, the entity's type and its name as the sentence writes it. */
public record Argument(String role, String type, String name) implements Comparable<Argument> {

    @Override
    public int compareTo(Argument other) {
        int byRole = role.compareTo(other.role);
        if (byRole != 0) {
            return byRole;
        }
        int byType = type.compareTo(other.type);
        return byType != 0 ? byType : name.compareTo(other.name);
    }

    /** As the program writes it: {@code Person("Alice")}. */
    String code() {
        return type + "(\"" + name + "\")";
    }
}
