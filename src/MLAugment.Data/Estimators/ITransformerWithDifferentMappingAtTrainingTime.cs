namespace MLAugment.Data;

/// <summary>
/// A transformer that maps data differently while a pipeline is being fitted: <see cref="EstimatorChain{TLastTransformer}.Fit"/>
/// calls <see cref="TransformForTrainingPipeline"/> instead of <see cref="ITransformer.Transform"/> when feeding
/// downstream estimators. A nested <see cref="TransformerChain{TLastTransformer}"/> uses it to apply its training-only
/// steps during Fit. Internal, as in ML.NET.
/// </summary>
internal interface ITransformerWithDifferentMappingAtTrainingTime : ITransformer
{
    IDataView TransformForTrainingPipeline(IDataView input);
}
