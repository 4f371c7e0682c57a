package io.swapgate.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.swapgate.core.format.ModelFormatException;
import io.swapgate.core.format.ModelLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The module boundaries, checked on the compiled classes of the gateway and the libraries it is built from. */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.swapgate");
    }

    @Test
    void onlyInferenceCoreTouchesTheRuntimeAndTheModelFileReaders() {
        DescribedPredicate<JavaClass> coreInternals = JavaClass.Predicates.resideInAPackage(
                        "io.swapgate.core.runtime..")
                .or(JavaClass.Predicates.resideInAPackage("io.swapgate.core.format..")
                        .and(DescribedPredicate.not(
                                JavaClass.Predicates.belongToAnyOf(ModelLoader.class, ModelFormatException.class))))
                .as("inference-core's runtime and model-file readers");
        noClasses()
                .that()
                .resideOutsideOfPackage("io.swapgate.core..")
                .should()
                .dependOnClassesThat(coreInternals)
                .because("servers go through io.swapgate.core.FoundationModel, which owns the runtime")
                .check(classes);
    }

    @Test
    void librariesDoNotKnowQuarkus() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "io.swapgate.core..",
                        "io.swapgate.registry..",
                        "io.swapgate.retraining..",
                        "io.swapgate.kafka..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.quarkus..", "jakarta.enterprise..", "jakarta.inject..", "io.smallrye..", "io.vertx..")
                .because("only the gateway module is a Quarkus application")
                .check(classes);
    }

    @Test
    void transportsShareMessageMappingNotEachOther() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "io.swapgate.gateway.kafka..",
                        "io.swapgate.gateway.openai..",
                        "io.swapgate.gateway.monitor..",
                        "io.swapgate.gateway.http..",
                        "io.swapgate.gateway.messages..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.swapgate.gateway.grpc..")
                .because("proto-to-domain mapping lives in io.swapgate.gateway.messages, for every transport")
                .check(classes);
    }
}
