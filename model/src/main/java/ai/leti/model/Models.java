package ai.leti.model;

import java.nio.file.Path;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.leti.model.codegen.CodegenModel;
import ai.leti.model.gpt2.Gpt2Model;
import ai.leti.model.llama.LlamaModel;
import ai.leti.model.tokenizer.LetiTokenizer;

/** Loads a checkpoint directory into the family its {@code config.json} names, on a configured device. */
public final class Models {

    private Models() {
    }

    public static CausalLm load(Path directory, Device device, DataType dtype) {
        return load(directory, device, dtype, 0);
    }

    /**
     * Loads a checkpoint whose vocabulary must hold at least {@code vocabularySize} tokens: embedding and output
     * rows are added when the tokenizer has more tokens than the checkpoint (LETI's special tokens).
     */
    public static CausalLm load(Path directory, Device device, DataType dtype, int vocabularySize) {
        return load(directory, ModelConfig.read(directory), device, dtype, vocabularySize);
    }

    private static CausalLm load(Path directory, ModelConfig config, Device device, DataType dtype, int vocabularySize) {
        if (vocabularySize > config.vocabSize()) {
            config = config.withVocabSize(vocabularySize);
        }
        NDManager manager = NDManager.newBaseManager(device);
        try {
            return switch (config.family()) {
                case LLAMA -> LlamaModel.load(config, directory, manager, dtype);
                case GPT2 -> Gpt2Model.load(config, directory, manager, dtype);
                case CODEGEN -> CodegenModel.load(config, directory, manager, dtype);
            };
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Loads a checkpoint for use with its tokenizer: refuses a tokenizer whose ids (LETI's own tokens aside) do not
     * fit the model's {@code vocab_size}, adds embedding and output rows for LETI's tokens where they fall beyond it,
     * and fills in the special-token ids config.json lacks from the tokenizer, so a saved checkpoint states them.
     */
    public static CausalLm load(Path directory, Device device, DataType dtype, LetiTokenizer tokenizer) {
        ModelConfig config = ModelConfig.read(directory);
        tokenizer.checkFitsModel(config.vocabSize(), directory.resolve(ModelConfig.FILE));
        return load(directory, config.withMissingSpecialTokens(tokenizer.bos(), tokenizer.endOfText(), tokenizer.pad()),
                device, dtype, tokenizer.size());
    }

    public static CausalLm random(ModelConfig config, Device device, DataType dtype, long seed) {
        NDManager manager = NDManager.newBaseManager(device);
        return switch (config.family()) {
            case LLAMA -> LlamaModel.random(config, manager, dtype, seed);
            case GPT2 -> Gpt2Model.random(config, manager, dtype, seed);
            case CODEGEN -> CodegenModel.random(config, manager, dtype, seed);
        };
    }
}
