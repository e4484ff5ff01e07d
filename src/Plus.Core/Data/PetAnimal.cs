namespace Plus.Data;

/// <summary>The four animals of the Pets data set (VPL's sentence pools).</summary>
public enum PetAnimal
{
    /// <summary>Birds (VPL: helpful and harmless; preferred to every other animal by the Pets users).</summary>
    Bird = 0,

    /// <summary>Cats (one of the two controversial animals in Pets).</summary>
    Cat = 1,

    /// <summary>Dogs (the other controversial animal in Pets).</summary>
    Dog = 2,

    /// <summary>Rabbits (VPL: harmful and unhelpful; least preferred by the Pets users).</summary>
    Rabbit = 3,
}
