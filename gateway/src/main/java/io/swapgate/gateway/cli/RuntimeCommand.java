package io.swapgate.gateway.cli;

import io.swapgate.core.FoundationModel;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code swapgate runtime}: loads the native library the gateway would serve on and says which it is. The image
 * build runs it to put libtorch (the CUDA flavour too, which Maven Central does not carry) into the image, so a pod
 * never downloads code at start; operators run it to see what a node will use.
 */
@Command(
        name = "runtime",
        description = "Load libtorch as serving would (downloading the flavour $PYTORCH_FLAVOR names into"
                + " $DJL_CACHE_DIR unless -Dai.djl.offline=true) and print its version, folder and GPUs.")
final class RuntimeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        FoundationModel.NativeLibrary library = FoundationModel.loadNativeLibrary();
        var out = spec.commandLine().getOut();
        out.println("PyTorch " + library.version());
        out.println("library: " + library.path());
        out.println("gpus:    " + library.gpus());
        return 0;
    }
}
