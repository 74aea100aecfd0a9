package dev.inlet.localaws;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Turns CloudFormation's short-form tags ({@code !Ref x}, {@code !GetAtt A.B}, {@code !Sub ...}) into the long forms
 * ({@code {"Ref": x}}, {@code {"Fn::GetAtt": [A, B]}}, ...), so the rest of the code sees one shape only.
 * Plain SnakeYAML would refuse the tags; a safe constructor keeps arbitrary-class instantiation off.
 */
final class CloudFormationConstructor extends SafeConstructor {

    private static final Map<String, String> LONG_FORMS = Map.ofEntries(
            Map.entry("!Ref", "Ref"),
            Map.entry("!Condition", "Condition"),
            Map.entry("!GetAtt", "Fn::GetAtt"),
            Map.entry("!Sub", "Fn::Sub"),
            Map.entry("!Join", "Fn::Join"),
            Map.entry("!If", "Fn::If"),
            Map.entry("!Equals", "Fn::Equals"),
            Map.entry("!Not", "Fn::Not"),
            Map.entry("!And", "Fn::And"),
            Map.entry("!Or", "Fn::Or"),
            Map.entry("!Select", "Fn::Select"),
            Map.entry("!Split", "Fn::Split"),
            Map.entry("!FindInMap", "Fn::FindInMap"),
            Map.entry("!GetAZs", "Fn::GetAZs"),
            Map.entry("!ImportValue", "Fn::ImportValue"),
            Map.entry("!Base64", "Fn::Base64"),
            Map.entry("!Cidr", "Fn::Cidr"));

    CloudFormationConstructor(LoaderOptions options) {
        super(options);
        LONG_FORMS.forEach((tag, function) -> yamlConstructors.put(new Tag(tag), new Intrinsic(function)));
    }

    private final class Intrinsic extends AbstractConstruct {
        private final String function;

        Intrinsic(String function) {
            this.function = function;
        }

        @Override
        public Object construct(Node node) {
            Object argument = switch (node) {
                case ScalarNode scalar -> constructScalar(scalar);
                case SequenceNode sequence -> constructSequence(sequence);
                case MappingNode mapping -> constructMapping(mapping);
                default -> throw new YAMLException("unexpected node for " + node.getTag() + ": " + node);
            };
            if (function.equals("Fn::GetAtt") && argument instanceof String dotted) {
                argument = splitAtFirstDot(dotted);
            }
            Map<String, Object> longForm = new LinkedHashMap<>();
            longForm.put(function, argument);
            return longForm;
        }

        private List<String> splitAtFirstDot(String dotted) {
            int dot = dotted.indexOf('.');
            if (dot <= 0 || dot == dotted.length() - 1) {
                throw new YAMLException("!GetAtt expects Resource.Attribute, got '" + dotted + "'");
            }
            return List.of(dotted.substring(0, dot), dotted.substring(dot + 1));
        }
    }
}
