namespace MLAugment.Data;

public sealed partial class DataViewSchema
{
    /// <summary>Accumulates columns, in order, and produces an immutable <see cref="DataViewSchema"/>.</summary>
    public sealed class Builder
    {
        private readonly List<DetachedColumn> _columns = [];

        public void AddColumn(string name, DataViewType type, Annotations? annotations = null) =>
            _columns.Add(new DetachedColumn(name, type, annotations));

        public void AddColumns(IEnumerable<Column> columns)
        {
            foreach (var c in columns)
                _columns.Add(new DetachedColumn(c));
        }

        public void AddColumns(IEnumerable<DetachedColumn> columns) => _columns.AddRange(columns);

        public DataViewSchema ToSchema() => new(_columns.ToArray());
    }
}
