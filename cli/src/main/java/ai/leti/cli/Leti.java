package ai.leti.cli;

import ai.leti.cli.demo.DemoCommand;
import ai.leti.cli.model.GenerateCommand;
import ai.leti.cli.model.Gpt2TokenizerCommand;
import ai.leti.cli.model.PretrainCommand;
import ai.leti.cli.model.SampleCommand;
import ai.leti.cli.model.TasksCommand;
import ai.leti.cli.report.ReportCommand;
import ai.leti.cli.sandbox.EvaluateCommand;
import ai.leti.cli.sandbox.FleetDemoCommand;
import ai.leti.cli.sandbox.HostileCommand;
import ai.leti.cli.stack.StackCommand;
import picocli.CommandLine.Command;

/**
 * {@code ./leti}: the one command line. The launcher script builds what is stale and runs this; the services'
 * own commands ({@code ./leti executor|trainer|generator}), the images and the engine stay in the script, which
 * runs jars and Docker rather than Java code.
 */
@Command(name = "leti", mixinStandardHelpOptions = true, version = "LETI 0.1.0",
        description = "LETI, learning from textual interactions: execution-feedback fine-tuning of code models.",
        subcommands = {DemoCommand.class, ReportCommand.class, StackCommand.class, FleetDemoCommand.class,
            EvaluateCommand.class, HostileCommand.class, PretrainCommand.class, SampleCommand.class,
            GenerateCommand.class, TasksCommand.class, Gpt2TokenizerCommand.class})
public final class Leti {

    public static void main(String[] args) {
        CommandLines.quietLogging();
        System.exit(CommandLines.of(new Leti()).execute(args));
    }
}
