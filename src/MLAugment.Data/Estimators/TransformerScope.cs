namespace MLAugment.Data;

/// <summary>
/// When a step of a <see cref="TransformerChain{TLastTransformer}"/> applies. <see cref="EstimatorChain{TLastTransformer}.Fit"/>
/// applies every step regardless; <see cref="TransformerChain{TLastTransformer}.Transform(IDataView)"/> uses
/// <see cref="Scoring"/>, so <see cref="Training"/>-only steps (augmentation, label preparation) are skipped at
/// prediction time. Values match <c>Microsoft.ML.Data.TransformerScope</c>.
/// </summary>
[Flags]
public enum TransformerScope
{
    None = 0,
    Training = 1 << 0,
    Testing = 1 << 1,
    Scoring = 1 << 2,
    TrainTest = Training | Testing,
    Everything = Training | Testing | Scoring,
}
