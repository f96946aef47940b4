// A single router: the quickest entry point through the pipeline.
func.func @gate(%logits: tensor<?x8xbf16>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %rw, %rids = moe.gate %logits k = 2 scoring = softmax renormalize outs(%w, %ids)
      : (tensor<?x8xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return %rw, %rids : tensor<?x2xf32>, tensor<?x2xi32>
}
