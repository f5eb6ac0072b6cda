package ai.leti.model.nn;

import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd switch is per thread and on by default: DJL turns it off only on the thread that started
 * the engine. Every entry point that may run on another thread (a service's worker) turns it off before
 * in-place weight updates (refused on leaf tensors under autograd) and before inference (which would
 * otherwise record a graph for nothing). Gradient collectors turn it on for their own scope.
 */
public final class GradMode {

    private GradMode() {
    }

    public static void off() {
        JniUtils.setGradMode(false);
    }
}
